"""govpatrol, the application: the command line, sweeps, distributed coordination, inspectors' tools and local services, over the scheduler, the spiders and pipelines, and the crawlers kernel."""
