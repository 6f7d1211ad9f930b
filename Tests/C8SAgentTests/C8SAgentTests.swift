// Tests of C8SAgentTests.
