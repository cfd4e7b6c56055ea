"""The mapping analysis: the graph, its ranking, communities and labels."""
