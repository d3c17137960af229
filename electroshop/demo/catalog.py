"""Static vocabulary of the demo shop: the category tree, brands, names, texts.

Kept apart from the generator so the numbers (``generator.py``) read without the word lists.
"""
from dataclasses import dataclass, field

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
    "Smart Home",
    "Wearables",
]


@dataclass(frozen=True)
class LeafSpec:
    path: str
    code: str  # SKU prefix
    traffic: float  # relative share of browsing sessions
    share: float  # relative share of the catalogue
    price_median: float  # GBP
    price_sigma: float  # log-normal spread
    brands: tuple[str, ...]
    series: dict[str, tuple[str, ...]] = field(default_factory=dict)
    noun: str = ""  # what shoppers type into search
    is_device: bool = True
    pack_sizes: tuple[int, ...] = (1,)


LEAVES: tuple[LeafSpec, ...] = (
    LeafSpec("Phones", "PH", 14, 0.09, 520, 0.55,
             ("Apple", "Samsung", "Google", "OnePlus", "Xiaomi", "Motorola", "Nokia"),
             {"Apple": ("iPhone 15", "iPhone 16", "iPhone 16 Pro", "iPhone 17", "iPhone 17 Pro Max", "iPhone SE"),
              "Samsung": ("Galaxy S24", "Galaxy S25 Ultra", "Galaxy A55", "Galaxy Z Flip6", "Galaxy Z Fold6", "Galaxy A16"),
              "Google": ("Pixel 9", "Pixel 9 Pro", "Pixel 9a", "Pixel 10"),
              "OnePlus": ("13", "Nord 4", "12R"), "Xiaomi": ("Redmi Note 14", "15", "Poco X7"),
              "Motorola": ("Moto G85", "Edge 50", "Razr 50"), "Nokia": ("G42", "XR21")},
             "phone", True, (1, 5)),
    LeafSpec("Tablets", "TB", 6, 0.05, 420, 0.5, ("Apple", "Samsung", "Lenovo", "Amazon", "Microsoft"),
             {"Apple": ("iPad", "iPad Air", "iPad Pro", "iPad mini"), "Samsung": ("Galaxy Tab S10", "Galaxy Tab A9"),
              "Lenovo": ("Tab P12", "Tab M11"), "Amazon": ("Fire HD 10", "Fire Max 11"), "Microsoft": ("Surface Pro",)},
             "tablet", True, (1, 4)),
    LeafSpec("Laptops", "LP", 9, 0.09, 850, 0.45,
             ("Apple", "Dell", "HP", "Lenovo", "Asus", "Acer", "Microsoft"),
             {"Apple": ("MacBook Air", "MacBook Pro"), "Dell": ("XPS", "Inspiron", "Latitude"),
              "HP": ("Spectre x360", "Pavilion", "EliteBook", "Victus"), "Lenovo": ("ThinkPad X1", "IdeaPad Slim", "Yoga", "Legion"),
              "Asus": ("ZenBook", "VivoBook", "ROG Zephyrus"), "Acer": ("Swift Go", "Aspire", "Nitro"),
              "Microsoft": ("Surface Laptop",)},
             "laptop", True, (1,)),
    LeafSpec("TVs", "TV", 8, 0.07, 650, 0.6, ("Samsung", "LG", "Sony", "Panasonic", "Hisense", "TCL", "Philips"),
             {"Samsung": ("Neo QLED", "Crystal UHD", "The Frame"), "LG": ("OLED evo C4", "OLED G4", "NanoCell"),
              "Sony": ("Bravia 7", "Bravia 9", "Bravia XR"), "Panasonic": ("MZ2000", "LX650"), "Hisense": ("U8N", "A6N"),
              "TCL": ("C855", "P755"), "Philips": ("Ambilight OLED+", "The One")},
             "tv", True, (1,)),
    LeafSpec("Audio/Headphones", "HP", 10, 0.09, 110, 0.7,
             ("Sony", "Bose", "Apple", "Sennheiser", "JBL", "Beats", "Jabra", "Audio-Technica"),
             {"Sony": ("WH-1000XM5", "WF-1000XM5", "WH-CH720N"), "Bose": ("QuietComfort Ultra", "QuietComfort Earbuds"),
              "Apple": ("AirPods 4", "AirPods Pro 2", "AirPods Max"), "Sennheiser": ("Momentum 4", "HD 660S2"),
              "JBL": ("Tune 770NC", "Live Pro 2"), "Beats": ("Studio Pro", "Solo 4", "Fit Pro"),
              "Jabra": ("Elite 10", "Evolve2 65"), "Audio-Technica": ("ATH-M50x", "ATH-SQ1TW")},
             "headphones", True, (1, 5)),
    LeafSpec("Audio/Speakers", "SP", 5, 0.05, 140, 0.7, ("Sonos", "JBL", "Bose", "Marshall", "Ultimate Ears", "Sony"),
             {"Sonos": ("Era 100", "Era 300", "Move 2", "Roam 2"), "JBL": ("Flip 6", "Charge 5", "Boombox 3"),
              "Bose": ("SoundLink Flex", "SoundLink Max"), "Marshall": ("Emberton III", "Stanmore III"),
              "Ultimate Ears": ("BOOM 4", "WONDERBOOM 4"), "Sony": ("ULT Field 1", "SRS-XB100")},
             "bluetooth speaker", True, (1, 4)),
    LeafSpec("Cameras", "CM", 4, 0.05, 780, 0.75, ("Canon", "Nikon", "Sony", "Fujifilm", "Panasonic", "GoPro"),
             {"Canon": ("EOS R6 Mark II", "EOS R50", "PowerShot G7 X"), "Nikon": ("Z6 III", "Z fc", "Z50"),
              "Sony": ("Alpha 7 IV", "ZV-E10", "RX100 VII"), "Fujifilm": ("X-T5", "X100VI", "Instax Mini 12"),
              "Panasonic": ("Lumix S5 II", "Lumix G9 II"), "GoPro": ("HERO13 Black", "HERO12 Black")},
             "camera", True, (1,)),
    LeafSpec("Gaming/Consoles", "CN", 6, 0.025, 420, 0.35, ("Sony", "Microsoft", "Nintendo", "Valve"),
             {"Sony": ("PlayStation 5 Slim", "PlayStation 5 Pro", "PlayStation Portal"),
              "Microsoft": ("Xbox Series X", "Xbox Series S"), "Nintendo": ("Switch 2", "Switch OLED", "Switch Lite"),
              "Valve": ("Steam Deck OLED",)},
             "console", True, (1,)),
    LeafSpec("Gaming/Games", "GM", 9, 0.10, 45, 0.35,
             ("Electronic Arts", "Ubisoft", "Nintendo", "Sony Interactive", "Xbox Game Studios", "Capcom", "Bandai Namco"),
             {}, "games", False, (10, 20)),
    LeafSpec("Accessories/Cables", "CB", 5, 0.09, 14, 0.5, ("Anker", "Belkin", "Amazon Basics", "Ugreen", "Baseus"),
             {}, "cable", False, (10, 20, 50)),
    LeafSpec("Accessories/Cases", "CS", 7, 0.12, 24, 0.45, ("Spigen", "OtterBox", "Apple", "Samsung", "ESR", "Case-Mate"),
             {}, "phone case", False, (10, 20)),
    LeafSpec("Accessories/Chargers", "CH", 5, 0.06, 29, 0.45, ("Anker", "Belkin", "Apple", "Samsung", "Ugreen"),
             {}, "usb-c charger", False, (10, 20)),
    LeafSpec("Smart Home", "SH", 6, 0.06, 75, 0.7, ("Google", "Amazon", "Philips Hue", "Ring", "TP-Link", "Eufy"),
             {"Google": ("Nest Hub", "Nest Thermostat", "Nest Cam"), "Amazon": ("Echo Dot", "Echo Show 8", "Echo Pop"),
              "Philips Hue": ("White and Colour Bulb", "Play Light Bar", "Bridge"), "Ring": ("Video Doorbell", "Stick Up Cam"),
              "TP-Link": ("Tapo Smart Plug", "Tapo C200", "Deco X50"), "Eufy": ("Robovac L35", "Video Doorbell E340")},
             "smart plug", True, (1, 6)),
    LeafSpec("Wearables", "WR", 6, 0.05, 240, 0.55, ("Apple", "Samsung", "Garmin", "Fitbit", "Google"),
             {"Apple": ("Watch Series 10", "Watch SE", "Watch Ultra 2"), "Samsung": ("Galaxy Watch7", "Galaxy Watch Ultra"),
              "Garmin": ("Forerunner 265", "Venu 3", "Fenix 8"), "Fitbit": ("Charge 6", "Versa 4"),
              "Google": ("Pixel Watch 3",)},
             "smartwatch", True, (1, 4)),
)

# Devices pull accessories into the same basket: (accessory leaf, probability per order).
ACCESSORIES_FOR: dict[str, tuple[tuple[str, float], ...]] = {
    "Phones": (("Accessories/Cases", 0.45), ("Accessories/Chargers", 0.25), ("Audio/Headphones", 0.06)),
    "Tablets": (("Accessories/Cases", 0.35), ("Accessories/Chargers", 0.15)),
    "Laptops": (("Accessories/Chargers", 0.15), ("Accessories/Cables", 0.2)),
    "TVs": (("Accessories/Cables", 0.5), ("Audio/Speakers", 0.1)),
    "Gaming/Consoles": (("Gaming/Games", 0.6), ("Accessories/Cables", 0.25)),
    "Cameras": (("Accessories/Cases", 0.2), ("Accessories/Cables", 0.1)),
    "Wearables": (("Accessories/Chargers", 0.2),),
}

BRAND_POPULARITY: dict[str, float] = {"Apple": 5, "Samsung": 4, "Sony": 3, "Google": 2, "LG": 2, "Anker": 2, "Bose": 1.5}

COLOURS = ("Black", "White", "Silver", "Blue", "Graphite", "Green", "Red", "Gold", "Purple", "Midnight")
COLOUR_CODES = {c: c[:3].upper() for c in COLOURS}

GAME_WORDS_A = ("Shadow", "Legend", "Rise", "Echoes", "Chronicles", "Call", "Edge", "Tales", "Kingdom", "Storm",
                "Heart", "Age", "Star", "Dawn", "Blood")
GAME_WORDS_B = ("the Forgotten Realm", "Iron", "the Deep", "Neon City", "the Ancients", "Duty", "Tomorrow", "the Wild",
                "Fire", "Eternity", "the Last Light", "Steel", "the North", "Horizon", "Glory")
GAME_PLATFORMS = ("PS5", "Xbox Series X|S", "Nintendo Switch", "PC")

CABLES = (("HDMI 2.1 Cable", "HDMI"), ("USB-C to USB-C Cable", "USB-C"), ("USB-C to Lightning Cable", "Lightning"),
          ("USB-A to USB-C Cable", "USB-C"), ("Optical Audio Cable", "TOSLINK"), ("DisplayPort 1.4 Cable", "DisplayPort"),
          ("Ethernet Cat 6 Cable", "RJ45"), ("3.5mm Aux Cable", "3.5mm"))
CASE_STYLES = ("Ultra Hybrid", "Tough Armor", "Slim Silicone", "Clear MagSafe", "Leather Wallet", "Rugged Defender")
CASE_FITS = ("iPhone 16", "iPhone 16 Pro", "iPhone 17", "Galaxy S25", "Galaxy S24", "Pixel 9", "iPad Air", "Galaxy Tab S10")
CHARGERS = ("USB-C GaN Charger", "Wireless Charging Pad", "MagSafe Charger", "Car Charger", "Power Bank 20000mAh",
            "3-in-1 Charging Stand")

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
    "Accessories/Cables": "A durable, braided cable for reliable connections.",
    "Accessories/Cases": "A protective case with precise cut-outs and a slim profile.",
    "Accessories/Chargers": "A fast, safe charger for your devices.",
    "Smart Home": "Smart home kit that works with your voice assistant.",
    "Wearables": "A wearable that tracks your health, workouts and notifications.",
}

SUPPLIERS = (("Northwind Distribution", 3, 7), ("EuroTech Wholesale", 7, 14), ("Shenzhen Direct", 21, 45),
             ("Brand Direct UK", 5, 10))

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
