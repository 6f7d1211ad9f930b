// Tests of C8SIntegrationTests.
