"""The ``capdesk`` command line: headless captioning, evaluation and benchmarks."""
