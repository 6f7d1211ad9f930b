// The cluster side of the command line.
