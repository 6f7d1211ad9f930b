// Tests of C8SClientTests.
