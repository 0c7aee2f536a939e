"""The HTML shell shared by the sandbox's pages (OAuth, 3-D Secure, dashboard)."""

from __future__ import annotations

from html import escape

from aiohttp import web

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f6f9fc;
color:#1a1f36}
header{background:#635bff;color:#fff;padding:12px 24px;font-weight:600}
header small{font-weight:400;opacity:.85;margin-left:8px}
main{max-width:980px;margin:24px auto;padding:0 16px}
.card{background:#fff;border-radius:8px;box-shadow:0 2px 5px rgba(60,66,87,.12);padding:24px;
margin-bottom:20px}
.narrow{max-width:460px;margin-left:auto;margin-right:auto}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e3e8ee;vertical-align:top}
th{color:#697386;font-weight:600}
code{font-size:13px}
button{font:inherit;border-radius:6px;border:1px solid #d0d5dd;padding:8px 14px;cursor:pointer;
background:#fff}
button.primary{background:#635bff;color:#fff;border-color:#635bff}
label{display:block;margin:8px 0}
input[type=text],input[type=email]{font:inherit;padding:6px 8px;border:1px solid #d0d5dd;
border-radius:6px;width:100%;box-sizing:border-box}
.muted{color:#697386;font-size:13px}
.pill{display:inline-block;border-radius:10px;padding:1px 8px;font-size:12px;background:#e3e8ee}
.ok{background:#d7f7c2;color:#05690d}.bad{background:#ffe7f2;color:#b3063d}
.actions{display:flex;gap:12px;margin-top:16px}
"""


def page(title: str, body: str, status: int = 200) -> web.Response:
    html = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        "<header>stripe <small>local sandbox: not Stripe, no real money</small></header>"
        f"<main>{body}</main></body></html>"
    )
    return web.Response(text=html, content_type="text/html", status=status)


def pill(text: str, ok: bool | None = None) -> str:
    css = "" if ok is None else (" ok" if ok else " bad")
    return f"<span class='pill{css}'>{escape(text)}</span>"
