"""Small word lists and a product catalogue the sample CRM draws from.

Everything is made up here, so the generator needs no external data and its output never contains
a real person's name or address. Lists are numpy arrays so a chunk indexes them in one step.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "CAMPAIGN_THEMES",
    "CASE_SUBJECTS",
    "CHANNELS",
    "CHANNEL_COST",
    "CHANNEL_HAZARD",
    "CHANNEL_WEIGHTS",
    "COMPANY_HEADS",
    "COMPANY_SUFFIXES",
    "COMPANY_TAILS",
    "COMPLAINT_SUBJECTS",
    "COUNTRIES",
    "COUNTRY_CURRENCY",
    "COUNTRY_PHONE",
    "COUNTRY_WEIGHTS",
    "FIRST_NAMES",
    "INDUSTRIES",
    "JOB_TITLES",
    "LAST_NAMES",
    "ORGANIC_CHANNELS",
    "OWNERS",
    "PRODUCTS",
    "PRODUCT_CATEGORIES",
    "PRODUCT_PRICES",
]

FIRST_NAMES = np.array(
    ["Anna", "Bram", "Clara", "Daan", "Emma", "Finn", "Greta", "Hugo", "Ines", "Jonas", "Karin", "Lars", "Mila", "Noah", "Olga", "Pieter", "Quinn", "Rosa", "Sven", "Tess", "Umar", "Vera", "Wout", "Xenia", "Yara", "Zeno", "Alice", "Ben", "Chloe", "David", "Elif", "Felix", "Hana", "Ivan", "Julia", "Kai", "Lina", "Marco", "Nora", "Oscar", "Paula", "Ruben", "Sara", "Tomas", "Ula", "Victor", "Wanda", "Yusuf", "Zoe", "Amir", "Bianca", "Carlos", "Dina", "Eric", "Fatima", "Georg", "Helena", "Igor", "Jana", "Karel", "Leila", "Matteo", "Nina", "Omar", "Petra"]
)
LAST_NAMES = np.array(
    ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "Smits", "Bakker", "Visser", "Smit", "Meijer", "Dijkstra", "Mulder", "Bos", "Vos", "Peters", "Hendriks", "Dekker", "Brouwer", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker", "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Novak", "Horvat", "Kowalski", "Nowak", "Silva", "Santos", "Costa", "Oliveira"]
)
COMPANY_HEADS = np.array(
    ["Blue", "Bright", "North", "Silver", "Green", "Oak", "Iron", "Summit", "Harbor", "River", "Stone", "Cedar", "Falcon", "Polar", "Granite", "Maple", "Crystal", "Golden", "Swift", "Prime", "Delta", "Atlas", "Nova", "Vertex", "Orbit", "Cobalt", "Amber", "Willow", "Beacon", "Pioneer"]
)
COMPANY_TAILS = np.array(
    ["Logistics", "Foods", "Systems", "Labs", "Works", "Dynamics", "Solutions", "Trading", "Retail", "Media", "Energy", "Health", "Textiles", "Analytics", "Robotics", "Builders", "Motors", "Pharma", "Consulting", "Networks", "Farms", "Studios", "Supplies", "Partners"]
)
COMPANY_SUFFIXES = np.array(["NV", "BV", "GmbH", "SA", "Ltd", "Inc", "SRL", "AG", "Oy", "AB"])
INDUSTRIES = np.array(
    [
        "Manufacturing",
        "Retail",
        "Healthcare",
        "Financial Services",
        "Software",
        "Logistics",
        "Construction",
        "Hospitality",
        "Education",
        "Energy",
        "Food & Beverage",
        "Professional Services",
    ]
)
JOB_TITLES = np.array(
    [
        "CEO",
        "CFO",
        "Head of Purchasing",
        "Procurement Manager",
        "Operations Director",
        "IT Manager",
        "Office Manager",
        "Marketing Lead",
        "Account Payable Clerk",
        "Plant Manager",
    ]
)
OWNERS = np.array(
    [
        "Sofie Claes",
        "Tom Verbeke",
        "Laura Schmidt",
        "Jan de Vries",
        "Marta Rossi",
        "Pierre Lambert",
        "Eva Novak",
        "Kasper Holm",
        "Nadia Haddad",
        "Luis Ortega",
        "Ines Maes",
        "Ruben Bakker",
    ]
)

COUNTRIES = np.array(["BE", "NL", "DE", "FR", "GB", "US", "IT", "ES", "SE", "PL"])
COUNTRY_WEIGHTS = np.array([0.18, 0.16, 0.15, 0.12, 0.1, 0.1, 0.06, 0.06, 0.04, 0.03])
COUNTRY_CURRENCY = np.array(["EUR", "EUR", "EUR", "EUR", "GBP", "USD", "EUR", "EUR", "SEK", "PLN"])
COUNTRY_PHONE = np.array(["+32", "+31", "+49", "+33", "+44", "+1", "+39", "+34", "+46", "+48"])

CHANNELS = np.array(["email", "paid_search", "social", "events", "referral", "partner"])
CHANNEL_WEIGHTS = np.array([0.3, 0.22, 0.2, 0.1, 0.1, 0.08])
# Median cost of one campaign per channel (EUR): events are dear, e-mail is cheap.
CHANNEL_COST = np.array([800.0, 6000.0, 3500.0, 15000.0, 1500.0, 4000.0])
# How a channel shifts the churn hazard of the customers it brings in: referred customers stay,
# bargain hunters from paid search leave. Gives campaign-quality indicators something to find.
CHANNEL_HAZARD = np.array([1.0, 1.3, 1.2, 0.85, 0.7, 0.8])
ORGANIC_CHANNELS = np.array(["website", "direct"])
CAMPAIGN_THEMES = np.array(
    [
        "Spring Promo",
        "Product Launch",
        "Trade Show",
        "Newsletter",
        "Retargeting",
        "Webinar Series",
        "Loyalty Drive",
        "Summer Sale",
        "Year-End Push",
        "Partner Days",
        "Customer Stories",
        "Free Trial",
    ]
)

PRODUCT_CATEGORIES = np.array(
    ["Hardware", "Software", "Consumables", "Services", "Accessories", "Training", "Support Plans", "Spare Parts"]
)
# Six products per category, in category order; PRODUCTS[c * 6 + k] belongs to category c.
PRODUCTS = np.array(
    [
        f"{category} {item}"
        for category in PRODUCT_CATEGORIES
        for item in ("Basic", "Plus", "Pro", "Max", "Lite", "Bundle")
    ]
)
PRODUCT_PRICES = np.round(
    np.array([[120, 180, 260, 390, 90, 450], [49, 79, 129, 199, 29, 249], [12, 18, 25, 35, 9, 45],
              [300, 450, 650, 900, 200, 1100], [15, 22, 35, 49, 10, 59], [250, 350, 500, 800, 180, 950],
              [99, 149, 249, 399, 69, 499], [20, 30, 45, 65, 14, 80]], dtype=float).ravel(),
    2,
)

CASE_SUBJECTS = np.array(
    [
        "Question about invoice",
        "How do I reset my password",
        "Delivery date request",
        "Change billing address",
        "Product configuration help",
        "Request for documentation",
        "Upgrade options",
        "Access for a new colleague",
    ]
)
COMPLAINT_SUBJECTS = np.array(
    [
        "Order arrived damaged",
        "Charged twice",
        "Late delivery again",
        "Product stopped working",
        "No answer to my previous ticket",
        "Wrong items delivered",
        "Unhappy with support",
        "Refund still not received",
    ]
)
