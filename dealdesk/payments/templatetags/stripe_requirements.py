from django import template

register = template.Library()


@register.filter
def requirement_label(code: str) -> str:
    """``individual.verification.document`` → "Individual verification document"."""
    words = code.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]
