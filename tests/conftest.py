pytest_plugins = [
    "tests.fixtures.postgres",
    "casetrail.infra.stack.testing",
]
