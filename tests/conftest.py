pytest_plugins = [
    "tests.fixtures.postgres",
    "tests.fixtures.api",
    "tests.fixtures.read_side",
    "casetrail.devstack.testing",
]
