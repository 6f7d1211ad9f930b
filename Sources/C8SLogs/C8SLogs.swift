// C8SLogs module (sources follow).
