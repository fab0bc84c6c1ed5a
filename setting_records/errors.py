class WorkflowError(Exception):
    """A request the rules do not allow, with a message fit to show the user."""
