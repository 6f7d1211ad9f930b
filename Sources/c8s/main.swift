print("c8s")
