pytest_plugins = [
    "tests.fixtures.postgres",
    "tests.fixtures.api",
    "casetrail.infra.stack.testing",
]
