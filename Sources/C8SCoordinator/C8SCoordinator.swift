// C8SCoordinator module (sources follow).
