"""The one error type an analyst sees."""


class InputError(ValueError):
    """Bad input the analyst can fix.

    The message is one plain sentence that names the offending file or value,
    suitable for ``st.error`` or a terminal, never a traceback.
    """
