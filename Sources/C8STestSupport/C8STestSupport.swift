// C8STestSupport module (sources follow).
