// C8SAPI module (sources follow).
