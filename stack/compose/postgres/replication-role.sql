-- The role Debezium connects as: it may stream logical changes and read what it is granted,
-- nothing more. Same as `casetrail stack up` creates.
CREATE ROLE debezium WITH LOGIN REPLICATION PASSWORD 'debezium';
GRANT CONNECT, CREATE ON DATABASE casetrail TO debezium;
