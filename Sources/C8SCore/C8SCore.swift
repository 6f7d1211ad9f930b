// C8SCore module (sources follow).
