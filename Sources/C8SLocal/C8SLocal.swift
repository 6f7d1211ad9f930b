// C8SLocal module (sources follow).
