print("c8s-sim")
