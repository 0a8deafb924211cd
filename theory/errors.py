"""Errors that mean "the user's input is wrong". The CLI turns each into one line and exit code 2."""


class InputError(ValueError):
    """Bad input: an unknown name, alpha <= beta, a malformed expression, NaN, a function that is not
    what it claims. The message is one line naming the problem."""


class UnknownNameError(InputError):
    """A method, problem, theorem, assumption or symbol name that does not exist."""

    def __init__(self, kind: str, name: str, known) -> None:
        known = sorted(known)
        super().__init__(f"unknown {kind} {name!r}; known: {', '.join(known) if known else '(none)'}")
        self.kind, self.name, self.known = kind, name, known
