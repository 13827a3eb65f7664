"""sim_account.py: the simulator's account API (shared/hubspot-api section 5).

The account's details (its portal id is the account id of every HCRN) and
the private app's daily API usage.
"""
import time

from sim_data import iso


def h_details(req):
    """h_details: GET /account-info/v3/details."""
    return 200, {"portalId": req.sim.data.portal_id, "accountType": "STANDARD",
                 "timeZone": "US/Eastern", "companyCurrency": "USD",
                 "additionalCurrencies": [], "utcOffset": "-05:00",
                 "utcOffsetMilliseconds": -18000000, "uiDomain": "app.hubspot.com",
                 "dataHostingLocation": "na1"}


def h_usage(req):
    """h_usage: GET /account-info/v3/api-usage/daily/private-apps."""
    sim = req.sim
    now = int(time.time() * 1000)
    day = now - now % 86400000
    return 200, {"results": [{"name": "private-apps-api-calls-daily",
                              "usageLimit": sim.config["daily_limit"],
                              "currentUsage": sim.daily,
                              "collectedAt": iso(now), "fetchStatus": "SUCCESS",
                              "resetsAt": iso(day + 86400000)}]}


def register(sim):
    """register: the account routes."""
    sim.route("GET", r"/account-info/v3/details", ["oauth"], h_details)
    sim.route("GET", r"/account-info/v3/api-usage/daily/private-apps", ["oauth"], h_usage)
