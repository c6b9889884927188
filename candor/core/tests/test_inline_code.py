from candor.core.templatetags.candor_text import inline_code


def test_backticks_become_code_and_everything_else_is_escaped() -> None:
    assert str(inline_code("Use `df.dropna()` <b>now</b>")) == (
        "Use <code>df.dropna()</code> &lt;b&gt;now&lt;/b&gt;"
    )
    assert str(inline_code("`<script>`")) == "<code>&lt;script&gt;</code>"
    assert str(inline_code("no code")) == "no code"
