// C8SKube module (sources follow).
