/// Tests that use C8STestSupport run tools through C8SProcess's ``ChildProcess`` (the one spawner of c8s).
@_exported import C8SProcess
