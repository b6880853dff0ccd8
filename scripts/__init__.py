"""Deploy commands, run from the project root as `python -m scripts.<name>`.
Never deployed to Lambda."""
