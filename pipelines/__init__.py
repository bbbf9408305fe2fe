"""Item pipelines: collect a target's observations, judge them into findings, write the sinks."""
