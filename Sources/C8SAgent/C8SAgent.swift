// The node agent; see docs/agent.md.
