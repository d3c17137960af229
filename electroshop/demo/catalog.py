"""Static vocabulary of the demo shop: the category tree, brands, names, texts.

Kept apart from the generator so the numbers read without the word lists; the product ranges
(device models and accessory lines) are in ``product_ranges``.
"""
from dataclasses import dataclass

# The tree, parents before children. Only leaves hold products.
CATEGORY_PATHS: list[str] = [
    "Phones",
    "Tablets",
    "Laptops",
    "TVs",
    "Audio",
    "Audio/Headphones",
    "Audio/Speakers",
    "Cameras",
    "Gaming",
    "Gaming/Consoles",
    "Gaming/Games",
    "Accessories",
    "Accessories/Cables",
    "Accessories/Cases",
    "Accessories/Chargers",
    "Accessories/Screen Protectors",
    "Smart Home",
    "Wearables",
]


@dataclass(frozen=True)
class LeafSpec:
    path: str
    code: str  # SKU prefix
    traffic: float  # relative share of browsing sessions
    share: float  # relative share of the catalogue (devices stop at their ranges' size)
    brands: tuple[str, ...]
    noun: str = ""  # what shoppers type into search
    is_device: bool = True  # devices come from product_ranges.DEVICE_MODELS
    pack_sizes: tuple[int, ...] = (1,)
    tier_growth: float = 1.0  # price factor from one tier to the next larger one


LEAVES: tuple[LeafSpec, ...] = (
    LeafSpec("Phones", "PH", 14, 0.09, ("Apple", "Samsung", "Google", "OnePlus", "Xiaomi", "Motorola", "Nokia"),
             "phone", True, (1, 5), 1.15),
    LeafSpec("Tablets", "TB", 6, 0.05, ("Apple", "Samsung", "Lenovo", "Amazon", "Microsoft"), "tablet", True, (1, 4),
             1.18),
    LeafSpec("Laptops", "LP", 9, 0.09, ("Apple", "Dell", "HP", "Lenovo", "Asus", "Acer", "Microsoft"), "laptop", True,
             (1,), 1.17),
    LeafSpec("TVs", "TV", 8, 0.07, ("Samsung", "LG", "Sony", "Panasonic", "Hisense", "TCL", "Philips"), "tv", True,
             (1,), 1.3),
    LeafSpec("Audio/Headphones", "HP", 10, 0.09,
             ("Sony", "Bose", "Apple", "Sennheiser", "JBL", "Beats", "Jabra", "Audio-Technica"), "headphones", True,
             (1, 5)),
    LeafSpec("Audio/Speakers", "SP", 5, 0.05, ("Sonos", "JBL", "Bose", "Marshall", "Ultimate Ears", "Sony", "Samsung"),
             "bluetooth speaker", True, (1, 4)),
    LeafSpec("Cameras", "CM", 4, 0.05, ("Canon", "Nikon", "Sony", "Fujifilm", "Panasonic", "GoPro"), "camera", True,
             (1,), 1.2),
    LeafSpec("Gaming/Consoles", "CN", 6, 0.025, ("Sony", "Microsoft", "Nintendo", "Valve"), "console", True, (1,),
             1.2),
    LeafSpec("Gaming/Games", "GM", 9, 0.10,
             ("Electronic Arts", "Ubisoft", "Nintendo", "Sony Interactive", "Xbox Game Studios", "Capcom",
              "Bandai Namco"), "games", False, (10, 20), 1.3),
    LeafSpec("Accessories/Cables", "CB", 5, 0.05, ("Anker", "Belkin", "Amazon Basics", "Ugreen"), "cable", False,
             (10, 20, 50), 1.25),
    LeafSpec("Accessories/Cases", "CS", 7, 0.12, ("Spigen", "OtterBox", "ESR", "Case-Mate"), "phone case", False,
             (10, 20)),
    LeafSpec("Accessories/Chargers", "CH", 5, 0.05, ("Anker", "Belkin", "Ugreen", "Apple", "Samsung"),
             "usb-c charger", False, (10, 20), 1.3),
    LeafSpec("Accessories/Screen Protectors", "SG", 3, 0.05, ("Spigen", "ESR", "Belkin", "ZAGG"),
             "screen protector", False, (10, 20, 50)),
    LeafSpec("Smart Home", "SH", 6, 0.06, ("Google", "Amazon", "Philips Hue", "Ring", "TP-Link", "Eufy"),
             "smart plug", True, (1, 6)),
    LeafSpec("Wearables", "WR", 6, 0.05, ("Apple", "Samsung", "Garmin", "Fitbit", "Google"), "smartwatch", True,
             (1, 4), 1.08),
)
LEAF_INDEX: dict[str, int] = {spec.path: i for i, spec in enumerate(LEAVES)}

# Devices pull fitting accessories into the same basket: (accessory leaf, probability per order).
# What fits is decided per product (fitting.fitting_groups): a case for that phone model, a
# cable for its connector, a charger of enough watts, a game for that console's platform, a
# soundbar for a TV; headphones go with any phone.
ACCESSORIES_FOR: dict[str, tuple[tuple[str, float], ...]] = {
    "Phones": (("Accessories/Cases", 0.45), ("Accessories/Screen Protectors", 0.3), ("Accessories/Chargers", 0.25),
               ("Accessories/Cables", 0.1), ("Audio/Headphones", 0.06)),
    "Tablets": (("Accessories/Cases", 0.35), ("Accessories/Screen Protectors", 0.2), ("Accessories/Chargers", 0.15)),
    "Laptops": (("Accessories/Chargers", 0.15), ("Accessories/Cables", 0.2)),
    "TVs": (("Accessories/Cables", 0.5), ("Audio/Speakers", 0.12)),
    "Gaming/Consoles": (("Gaming/Games", 0.6), ("Accessories/Cables", 0.25)),
    "Cameras": (("Accessories/Cables", 0.1),),
    "Wearables": (("Accessories/Chargers", 0.2),),
}

BRAND_POPULARITY: dict[str, float] = {"Apple": 5, "Samsung": 4, "Sony": 3, "Google": 2, "LG": 2, "Anker": 2, "Bose": 1.5}

CATEGORY_BLURBS = {
    "Phones": "A smartphone built for everyday speed, great photos and all-day battery life.",
    "Tablets": "A versatile tablet for streaming, sketching and working on the go.",
    "Laptops": "A capable laptop for work, study and creative projects.",
    "TVs": "A big-screen TV with vivid colour and smart streaming apps built in.",
    "Audio/Headphones": "Headphones tuned for rich, detailed sound wherever you listen.",
    "Audio/Speakers": "A speaker that fills the room with clear, powerful sound.",
    "Cameras": "A camera that captures sharp stills and smooth video.",
    "Gaming/Consoles": "A games console for fast loading and stunning visuals.",
    "Gaming/Games": "An action-packed game for hours of play.",
    "Accessories/Cables": "A durable cable for reliable connections.",
    "Accessories/Cases": "A protective case with precise cut-outs and a slim profile.",
    "Accessories/Chargers": "A fast, safe charger for your devices.",
    "Accessories/Screen Protectors": "Scratch-resistant protection cut to fit your screen exactly.",
    "Smart Home": "Smart home kit that works with your voice assistant.",
    "Wearables": "A wearable that tracks your health, workouts and notifications.",
}

# (name, shortest and longest lead time in days). Devices come from the brands' UK arms and European
# distributors; accessories and games also from a far-east importer with long lead times.
SUPPLIERS = (("Northwind Distribution", 3, 7), ("EuroTech Wholesale", 7, 14), ("Shenzhen Direct", 21, 45),
             ("Brand Direct UK", 5, 10))
DEVICE_SUPPLIERS = (0, 1, 3)  # indices into SUPPLIERS
ACCESSORY_SUPPLIERS = (0, 1, 2)

FIRST_NAMES = ("Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Noah", "Mia", "Jack", "Ivy", "Leo", "Freya",
               "Arthur", "Lily", "Muhammad", "Florence", "Oscar", "Sophia", "Charlie", "Grace", "Jacob", "Evie",
               "Thomas", "Poppy", "Alfie", "Ella", "Henry", "Emily", "Theo", "Chloe", "Liam", "Aoife", "Lucas",
               "Emma", "Lukas", "Hannah", "Hugo", "Léa", "Mateo", "Sofia", "Daan", "Julia", "Priya", "Arjun", "Wei",
               "Yuki", "Fatima", "Omar", "Zofia", "Marco", "Giulia", "Sean", "Niamh", "Ethan", "Olivia", "James",
               "Charlotte", "William", "Isabella", "Daniel")
LAST_NAMES = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Wright",
              "Robinson", "Walker", "Thompson", "White", "Hughes", "Edwards", "Green", "Hall", "Wood", "Harris",
              "Murphy", "Kelly", "O'Brien", "Byrne", "Martin", "Bernard", "Dubois", "Müller", "Schmidt", "Schneider",
              "Fischer", "de Jong", "Jansen", "García", "Martínez", "López", "Rossi", "Russo", "Kowalski", "Nowak",
              "Khan", "Ali", "Singh", "Chen", "Wang", "Kim", "Nguyen", "Clarke", "Lewis", "Young", "King", "Scott",
              "Baker", "Cooper", "Hill", "Ward", "Morgan", "Evans", "Turner", "Mitchell")
EMAIL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.co.uk", "icloud.com", "hotmail.co.uk", "btinternet.com",
                 "proton.me")
DISPOSABLE_DOMAINS = ("mailinator.com", "yopmail.com", "tempmail.dev", "guerrillamail.com", "sharklasers.com")

# ISO 3166 alpha-2 codes: customer countries with their weights, IP first octets and card BINs.
COUNTRIES = ("GB", "IE", "FR", "DE", "NL", "ES", "IT", "US", "PL")
COUNTRY_WEIGHTS = (0.70, 0.06, 0.05, 0.06, 0.04, 0.03, 0.02, 0.03, 0.01)
IP_FIRST_OCTETS = {"GB": (81, 86, 92, 109, 151), "IE": (37, 89), "FR": (90, 82), "DE": (84, 91), "NL": (77, 145),
                   "ES": (83, 88), "IT": (79, 93), "US": (24, 67, 73), "PL": (83, 178),
                   "NG": (105, 197), "RO": (86, 188), "UA": (91, 176), "BR": (177, 189), "VN": (113, 171),
                   "RU": (95, 178), "LT": (78, 88)}
CITIES = {"GB": ("London", "Manchester", "Birmingham", "Leeds", "Glasgow", "Bristol", "Edinburgh", "Cardiff"),
          "IE": ("Dublin", "Cork", "Galway"), "FR": ("Paris", "Lyon", "Marseille"), "DE": ("Berlin", "Munich", "Hamburg"),
          "NL": ("Amsterdam", "Rotterdam", "Utrecht"), "ES": ("Madrid", "Barcelona", "Valencia"),
          "IT": ("Milan", "Rome", "Turin"), "US": ("New York", "Austin", "Seattle"), "PL": ("Warsaw", "Kraków"),
          "NG": ("Lagos", "Abuja"), "RO": ("Bucharest",), "UA": ("Kyiv",), "BR": ("São Paulo",), "LT": ("Vilnius",),
          "VN": ("Hanoi",), "RU": ("Moscow",)}
STREETS = ("High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane", "Park Avenue", "King Street",
           "Queensway", "Market Square", "Oak Drive")
FRAUD_SHIP_COUNTRIES = ("NG", "RO", "UA", "BR", "LT", "US")
FRAUD_IP_COUNTRIES = ("NG", "RO", "RU", "VN", "BR", "UA")

USER_AGENTS = {
    "mobile": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1",
    "desktop": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
    "tablet": "Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1",
    "bot": "python-requests/2.32.3",
}

REVIEW_TEXTS = {
    5: ("Absolutely love this {noun}. Set-up took minutes and it has worked flawlessly since.",
        "Excellent {noun}, well built and worth every penny. Delivery was quick too.",
        "Best {noun} I have owned. Battery and performance are superb."),
    4: ("Very good {noun}. A couple of small niggles but I would buy it again.",
        "Solid {noun} for the price, does everything I need.",
        "Happy with this {noun}; the quality feels premium."),
    3: ("It's an okay {noun}. Does the job but nothing special.",
        "Average {noun}. Fine for everyday use, expected a bit more.",),
    2: ("Disappointed with this {noun}. It stopped working properly after a few weeks.",
        "Not great. The {noun} feels cheap and the instructions were poor."),
    1: ("Terrible {noun}, arrived faulty and I had to return it.",
        "Would not recommend. The {noun} broke within days."),
}
REVIEW_TITLES = {5: ("Brilliant", "Highly recommended", "Superb"), 4: ("Very good", "Great value"),
                 3: ("Okay", "Does the job"), 2: ("Disappointing",), 1: ("Avoid", "Faulty")}
FAKE_REVIEW_TEXTS = ("Great product!!", "Best purchase ever. 5 stars", "Amazing quality highly recommend",
                     "Love it!!!", "Perfect. Fast delivery", "Excellent product very good", "Super good, buy it",
                     "Wow amazing!!")
FAKE_REVIEW_TITLES = ("Excellent!", "5 stars", "Must buy", "Amazing", "Perfect")
