"""Every page's chrome written in Python: the top of the page (head, header with the service navigation and the
account bar, the idle-session warning) and its bottom (the council's footer and the script).

layout.html used to draw these with Jinja, on top of govuk-frontend-jinja's page template: every page paid for
that template's macro imports, its header and footer wrappers (the footer's drawn twice to see whether it is
empty) and a few dozen url_for calls. The markup is the same, byte for byte; tests/test_chrome.py checks it
against the Jinja it replaces, for each kind of person and page.
"""
from flask import current_app, g, request, url_for
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

#: GOV.UK Frontend's brand colour, as its page template sets the theme colour
THEME_COLOUR = "#1d70b8"
ASSETS = "/assets"

_HEAD = """<!DOCTYPE html>
<html lang="en" class="govuk-template{html_classes}">
  <head>
    <meta charset="utf-8">
    <title>{title}</title>
    <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
    <meta name="theme-color" content="{theme}">

  <link rel="stylesheet" href="{govuk_css}">
  <link rel="stylesheet" href="{portal_css}">

      <link rel="icon" sizes="48x48" href="{assets}/images/favicon.ico">
      <link rel="icon" sizes="any" href="{assets}/images/favicon.svg" type="image/svg+xml">
      <link rel="mask-icon" href="{assets}/images/govuk-icon-mask.svg" color="{theme}">
      <link rel="apple-touch-icon" href="{assets}/images/govuk-icon-180.png">
      <link rel="manifest" href="{assets}/manifest.json">
  </head>
  <body class="govuk-template__body">
    <script{nonce}>document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');</script>

        <a href="#main-content" class="govuk-skip-link" data-module="govuk-skip-link">Skip to main content</a>



<header class="govuk-template__header">
  <div class="govuk-generic-header">
    <div class="govuk-generic-header__container govuk-width-container">
      <div class="govuk-generic-header__logo">
        <a href="{home}" class="govuk-generic-header__homepage-link">{council}</a>
      </div>
    </div>
  </div>
  <section aria-label="Service information" class="govuk-service-navigation" data-module="govuk-service-navigation">
    <div class="govuk-width-container">
      <div class="govuk-service-navigation__container">
        <span class="govuk-service-navigation__service-name">
          <a href="{home}" class="govuk-service-navigation__link">{service_name}</a>
        </span>
        <nav aria-label="Menu" class="govuk-service-navigation__wrapper">
{menu_button}          <ul class="govuk-service-navigation__list" id="navigation">
{navigation}          </ul>
        </nav>
      </div>
    </div>
  </section>
{account_bar}</header>

      <div class="govuk-width-container">
{session_warning}"""

_MENU_BUTTON = ('          <button type="button" class="govuk-service-navigation__toggle govuk-js-service-navigation-toggle"'
                ' aria-controls="navigation" hidden aria-hidden="true">Menu</button>\n')
_ITEM = """            <li class="govuk-service-navigation__item">
              <a class="govuk-service-navigation__link" href="{href}">{text}</a>
            </li>
"""
_ACTIVE_ITEM = """            <li class="govuk-service-navigation__item govuk-service-navigation__item--active">
              <a class="govuk-service-navigation__link" href="{href}" aria-current="true"><strong class="govuk-service-navigation__active-fallback">{text}</strong></a>
            </li>
"""  # noqa: E501

_ACCOUNT_BAR = """  <div class="govuk-width-container">
    <div class="portal-account-bar">
      <p class="govuk-body-s portal-account-bar__who">
        Signed in as {who}
      </p>
      <p class="govuk-body-s portal-account-bar__who"><a class="govuk-link" href="{change_password}">Change password</a></p>
{two_step}      <form method="post" action="{sign_out}" class="portal-account-bar__form">
        <input type="hidden" name="csrf_token" value="{csrf}">
        <button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0 portal-small-button" data-module="govuk-button">Sign out</button>
      </form>
    </div>
  </div>
"""  # noqa: E501
_TWO_STEP = ('      <p class="govuk-body-s portal-account-bar__who"><a class="govuk-link" href="{href}">'
             'Two-step verification</a></p>\n')

_SESSION_WARNING = """  <div class="portal-session-warning govuk-!-margin-top-4" role="alert" hidden
       data-session-idle-seconds="{seconds}"
       data-keep-alive-url="{keep_alive}" data-csrf-token="{csrf}">
    <div class="govuk-warning-text">
      <span class="govuk-warning-text__icon" aria-hidden="true">!</span>
      <strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span>
        <span data-session-message>You will be signed out soon because you have not done anything for a while. Anything you have not saved will be lost.</span></strong>
    </div>
    <button type="button" class="govuk-button govuk-button--secondary" data-module="govuk-button" data-session-keep>Stay signed in</button>
  </div>
"""  # noqa: E501

_BOTTOM = """        </main>
      </div>


        <footer class="govuk-template__footer">
          <div class="govuk-footer">
  <div class="govuk-width-container">
    <div class="govuk-footer__meta">
      <div class="govuk-footer__meta-item govuk-footer__meta-item--grow">
        <h2 class="govuk-visually-hidden">Support links</h2>
        <ul class="govuk-footer__inline-list">
          <li class="govuk-footer__inline-list-item"><a class="govuk-footer__link" href="{call_off_lists}">Published call-off lists</a></li>
        </ul>
        <p class="govuk-body-s">{service_name}, for councils commissioning adult social care.</p>
      </div>
    </div>
  </div>
</div>

        </footer>
  <script type="module" src="{portal_js}"></script>
  </body>
</html>"""  # noqa: E501

#: the endpoints whose addresses the chrome links to: the same on every page of an application
_LINKS = {
    "home": ("auth.home", {}),
    "govuk_css": ("govuk_frontend", {"filename": "govuk-frontend.min.css"}),
    "portal_css": ("static", {"filename": "portal.css"}),
    "portal_js": ("static", {"filename": "portal.js"}),
    "commissioning": ("commissioning.dashboard", {}),
    "audit": ("audit.log", {}),
    "council_sign_in": ("auth.council_sign_in", {}),
    "provider": ("onboarding.dashboard", {}),
    "organisation": ("onboarding.organisation", {}),
    "evaluations": ("evaluation.work_list", {}),
    "call_off_lists": ("publication.index", {}),
    "change_password": ("auth.change_password", {}),
    "two_step": ("auth.two_step_page", {}),
    "sign_out": ("auth.sign_out", {}),
    "keep_alive": ("auth.keep_alive", {}),
}
_PROVIDER_ORGANISATION_ENDPOINTS = ("onboarding.invite", "onboarding.new_location", "onboarding.edit_location")


def _links() -> dict:
    """The chrome's addresses, built once per application and script root (url_for gives the same each time)."""
    cache = current_app.extensions.setdefault("portal_chrome_links", {})
    links = cache.get(request.script_root)
    if links is None:
        links = {name: str(escape(url_for(endpoint, **values))) for name, (endpoint, values) in _LINKS.items()}
        cache[request.script_root] = links
    return links


def _navigation(signed_in_as, links: dict) -> list[tuple[str, str, bool]]:
    """The service navigation's items (address, text, whether it is the current section) for this person."""
    endpoint, blueprint = request.endpoint, request.blueprint
    items = []
    if signed_in_as is not None:
        if signed_in_as.is_commissioner:
            items = [(links["commissioning"], "Purchasing systems", blueprint == "commissioning"),
                     (links["audit"], "Audit log", blueprint == "audit"),
                     (links["council_sign_in"], "Sign-in settings",
                      endpoint in ("auth.council_sign_in", "auth.reset_two_step"))]
        elif signed_in_as.is_provider:
            on_organisation = bool(endpoint and "organisation" in endpoint) or endpoint in _PROVIDER_ORGANISATION_ENDPOINTS
            items = [(links["provider"], "Your applications", blueprint == "onboarding" and not on_organisation),
                     (links["organisation"], "Your organisation", on_organisation)]
        else:
            items = [(links["evaluations"], "Your evaluations", blueprint == "evaluation")]
    items.append((links["call_off_lists"], "Call-off lists", blueprint == "publication"))
    return items


def page_top(title, signed_in_as) -> Markup:
    """The page from its doctype to the start of its content: head, header, and (signed in) the idle warning.

    title: the page title as the browser shows it (escaped here); signed_in_as: portal.auth.models.SignedIn
    or None."""
    links = _links()
    service_name = escape(current_app.config["SERVICE_NAME"])
    items = _navigation(signed_in_as, links)
    navigation = "".join((_ACTIVE_ITEM if active else _ITEM).format(href=href, text=text)
                         for href, text, active in items)
    account_bar = session_warning = ""
    if signed_in_as is not None:
        csrf = escape(generate_csrf())
        who = f"{signed_in_as.name} ({signed_in_as.role.label}"
        if signed_in_as.organisation:
            who += f", {signed_in_as.organisation}"
        account_bar = _ACCOUNT_BAR.format(
            who=escape(who + ")"), change_password=links["change_password"], sign_out=links["sign_out"],
            csrf=csrf, two_step=_TWO_STEP.format(href=links["two_step"]) if signed_in_as.may_use_two_step else "")
        session_warning = _SESSION_WARNING.format(
            seconds=escape(current_app.config["SESSION_IDLE_MINUTES"] * 60), keep_alive=links["keep_alive"],
            csrf=csrf)
    nonce = g.get("csp_nonce")
    council = signed_in_as.council if signed_in_as is not None and signed_in_as.council else None
    # every value below is escaped above or is the portal's own constant markup
    return Markup(_HEAD.format(  # nosec B704
        html_classes=" portal-larger-text" if signed_in_as is not None and signed_in_as.larger_text else "",
        title=escape(title), theme=THEME_COLOUR, govuk_css=links["govuk_css"], portal_css=links["portal_css"],
        assets=ASSETS, nonce=f' nonce="{escape(nonce)}"' if nonce else "", home=links["home"],
        council=escape(council or "Adult social care commissioning"), service_name=service_name,
        menu_button=_MENU_BUTTON if len(items) > 1 else "", navigation=navigation, account_bar=account_bar,
        session_warning=session_warning))


def page_bottom() -> Markup:
    """The page from the end of its content: the council's footer (no crown, licence or GOV.UK branding: this is
    a council's service) and the portal's script."""
    links = _links()
    # the addresses are escaped in _links, the service name here
    return Markup(_BOTTOM.format(call_off_lists=links["call_off_lists"],  # nosec B704
                                 service_name=escape(current_app.config["SERVICE_NAME"]),
                                 portal_js=links["portal_js"]))
