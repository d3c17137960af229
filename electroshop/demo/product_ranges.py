"""The demo shop's product ranges: real-looking device models and the accessory lines that fit them.

A device model has one shop price per tier (storage, screen size, case size, lens kit) and comes in
several colours that share that price. Prices are the smallest tier's, in GBP; each larger tier costs
``LeafSpec.tier_growth`` times the one below (``catalog.LEAVES``).
"""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DeviceModel:
    brand: str
    model: str  # "iPhone 16": the name stem after the brand
    price: float  # GBP, smallest tier
    tiers: tuple[int, ...] = (0,)  # storage GB, screen inches, case mm or 0/1 (body only / with kit lens)
    colours: tuple[str, ...] = ("Black",)
    connector: str = "USB-C"  # what its cable plugs into (HDMI for TVs and consoles)
    charging_watts: int = 0  # the USB-C charger it needs; 0: none sold with it
    extra: dict = field(default_factory=dict)  # leaf-specific attributes (panel, cpu, platform ...)


def _m(brand: str, model: str, price: float, tiers: tuple[int, ...] = (0,), colours: tuple[str, ...] = ("Black",),
       connector: str = "USB-C", watts: int = 0, **extra) -> DeviceModel:
    return DeviceModel(brand, model, price, tiers, colours, connector, watts, extra)


IPHONE_PRO = ("Black Titanium", "White Titanium", "Natural Titanium", "Desert Titanium")
IPHONE = ("Black", "White", "Pink", "Teal", "Ultramarine")
GALAXY = ("Titanium Silverblue", "Titanium Black", "Titanium Gray", "Icy Blue", "Navy", "Mint")
PIXEL = ("Obsidian", "Porcelain", "Moonstone", "Hazel")
PLAIN = ("Black", "White", "Blue", "Green")

DEVICE_MODELS: dict[str, tuple[DeviceModel, ...]] = {
    "Phones": (
        _m("Apple", "iPhone 17 Pro Max", 1199, (256, 512, 1024), IPHONE_PRO, watts=30),
        _m("Apple", "iPhone 17 Pro", 1099, (256, 512, 1024), IPHONE_PRO, watts=30),
        _m("Apple", "iPhone 17", 799, (256, 512), IPHONE, watts=30),
        _m("Apple", "iPhone 16", 699, (128, 256, 512), IPHONE, watts=20),
        _m("Apple", "iPhone 16 Plus", 799, (128, 256, 512), IPHONE, watts=20),
        _m("Apple", "iPhone 16e", 599, (128, 256, 512), ("Black", "White"), watts=20),
        _m("Apple", "iPhone 15", 599, (128, 256), ("Black", "Blue", "Green", "Yellow", "Pink"), watts=20),
        _m("Apple", "iPhone 14", 499, (128, 256), ("Midnight", "Starlight", "Purple"), "Lightning", 20),
        _m("Apple", "iPhone SE", 429, (64, 128, 256), ("Midnight", "Starlight", "Red"), "Lightning", 20),
        _m("Samsung", "Galaxy S25 Ultra", 1249, (256, 512, 1024), GALAXY[:3], watts=45),
        _m("Samsung", "Galaxy S25+", 999, (256, 512), GALAXY[3:], watts=45),
        _m("Samsung", "Galaxy S25", 799, (128, 256, 512), GALAXY[3:], watts=25),
        _m("Samsung", "Galaxy S24 FE", 649, (128, 256), ("Blue", "Graphite", "Mint"), watts=25),
        _m("Samsung", "Galaxy Z Fold7", 1799, (256, 512, 1024), ("Blue Shadow", "Silver Shadow", "Jetblack"),
           watts=25),
        _m("Samsung", "Galaxy Z Flip7", 1049, (256, 512), ("Blue Shadow", "Coral Red", "Jetblack"), watts=25),
        _m("Samsung", "Galaxy A56", 499, (128, 256), ("Awesome Graphite", "Awesome Lightgray", "Awesome Olive"),
           watts=45),
        _m("Samsung", "Galaxy A36", 399, (128, 256), ("Awesome Black", "Awesome Lavender", "Awesome White"),
           watts=45),
        _m("Samsung", "Galaxy A16", 199, (128, 256), ("Black", "Gray", "Light Green"), watts=25),
        _m("Google", "Pixel 10 Pro XL", 1199, (256, 512, 1024), PIXEL, watts=45),
        _m("Google", "Pixel 10 Pro", 999, (128, 256, 512), PIXEL, watts=30),
        _m("Google", "Pixel 10", 799, (128, 256), ("Obsidian", "Frost", "Indigo", "Lemongrass"), watts=30),
        _m("Google", "Pixel 9a", 499, (128, 256), ("Obsidian", "Porcelain", "Iris", "Peony"), watts=20),
        _m("OnePlus", "OnePlus 13", 899, (256, 512), ("Black Eclipse", "Arctic Dawn", "Midnight Ocean"), watts=45),
        _m("OnePlus", "OnePlus 13R", 699, (256, 512), ("Astral Trail", "Nebula Noir"), watts=45),
        _m("OnePlus", "Nord 5", 399, (256, 512), ("Phantom Grey", "Marble Sands"), watts=45),
        _m("Xiaomi", "Xiaomi 15 Ultra", 1299, (512, 1024), ("Black", "White", "Silver Chrome"), watts=45),
        _m("Xiaomi", "Xiaomi 15", 899, (256, 512), ("Black", "White", "Green"), watts=45),
        _m("Xiaomi", "Redmi Note 14 Pro", 349, (256, 512), ("Midnight Black", "Aurora Purple", "Ocean Blue"),
           watts=45),
        _m("Xiaomi", "Redmi Note 14", 199, (128, 256), ("Midnight Black", "Mist Purple", "Lime Green"), watts=30),
        _m("Motorola", "Razr 60 Ultra", 1099, (512,), ("Rio Red", "Scarab", "Mountain Trail"), watts=45),
        _m("Motorola", "Edge 60", 499, (256, 512), ("Gibraltar Sea", "Shamrock"), watts=45),
        _m("Motorola", "Moto G85", 249, (128, 256), ("Cobalt Blue", "Olive Green", "Urban Grey"), watts=30),
        _m("Nokia", "Nokia G42", 169, (128,), ("So Grey", "So Purple"), watts=20),
        _m("Nokia", "Nokia XR21", 499, (128,), ("Midnight Black", "Pine Green"), watts=20),
    ),
    "Tablets": (
        _m("Apple", "iPad 11\"", 329, (128, 256, 512), ("Blue", "Pink", "Yellow", "Silver"), watts=20),
        _m("Apple", "iPad Air 11\"", 599, (128, 256, 512, 1024), ("Space Grey", "Blue", "Purple", "Starlight"),
           watts=20),
        _m("Apple", "iPad Air 13\"", 799, (128, 256, 512, 1024), ("Space Grey", "Blue", "Purple", "Starlight"),
           watts=20),
        _m("Apple", "iPad Pro 11\"", 999, (256, 512, 1024), ("Space Black", "Silver"), watts=30),
        _m("Apple", "iPad Pro 13\"", 1299, (256, 512, 1024), ("Space Black", "Silver"), watts=30),
        _m("Apple", "iPad mini", 499, (128, 256, 512), ("Space Grey", "Blue", "Purple", "Starlight"), watts=20),
        _m("Samsung", "Galaxy Tab S10+", 999, (256, 512), ("Moonstone Gray", "Platinum Silver"), watts=45),
        _m("Samsung", "Galaxy Tab S10 FE", 499, (128, 256), ("Gray", "Silver", "Blue"), watts=45),
        _m("Samsung", "Galaxy Tab A9+", 219, (64, 128), ("Graphite", "Silver", "Navy"), watts=15),
        _m("Lenovo", "Tab P12", 349, (128, 256), ("Storm Grey",), watts=30),
        _m("Lenovo", "Tab M11", 179, (64, 128), ("Luna Grey", "Seafoam Green"), watts=15),
        _m("Amazon", "Fire HD 10", 149, (32, 64), ("Black", "Lilac", "Ocean"), watts=15),
        _m("Amazon", "Fire Max 11", 249, (64, 128), ("Grey",), watts=15),
        _m("Microsoft", "Surface Pro 11", 1049, (256, 512, 1024), ("Platinum", "Black", "Sapphire", "Dune"),
           watts=65),
    ),
    "Laptops": (
        _m("Apple", "MacBook Air 13\" M4 16GB", 999, (256, 512, 1024), ("Midnight", "Starlight", "Sky Blue", "Silver"),
           watts=30, screen_inches=13.6, cpu="Apple M4", ram_gb=16),
        _m("Apple", "MacBook Air 15\" M4 16GB", 1199, (256, 512, 1024), ("Midnight", "Starlight", "Sky Blue", "Silver"),
           watts=35, screen_inches=15.3, cpu="Apple M4", ram_gb=16),
        _m("Apple", "MacBook Pro 14\" M4 Pro 24GB", 1999, (512, 1024, 2048), ("Space Black", "Silver"), watts=100,
           screen_inches=14.2, cpu="Apple M4 Pro", ram_gb=24),
        _m("Dell", "XPS 13 Core Ultra 7 16GB", 1199, (512, 1024), ("Platinum", "Graphite"), watts=65,
           screen_inches=13.4, cpu="Intel Core Ultra 7", ram_gb=16),
        _m("Dell", "Inspiron 15 Core Ultra 5 16GB", 649, (512, 1024), ("Carbon Black", "Platinum Silver"), watts=65,
           screen_inches=15.6, cpu="Intel Core Ultra 5", ram_gb=16),
        _m("Dell", "Latitude 7450 Core Ultra 7 16GB", 1399, (512, 1024), ("Grey",), watts=65, screen_inches=14.0,
           cpu="Intel Core Ultra 7", ram_gb=16),
        _m("HP", "Spectre x360 14 Core Ultra 7 32GB", 1499, (1024, 2048), ("Nightfall Black", "Slate Blue"),
           watts=65, screen_inches=14.0, cpu="Intel Core Ultra 7", ram_gb=32),
        _m("HP", "Pavilion 15 Ryzen 5 16GB", 599, (512, 1024), ("Natural Silver", "Fog Blue"), watts=65,
           screen_inches=15.6, cpu="AMD Ryzen 5", ram_gb=16),
        _m("HP", "EliteBook 840 Core Ultra 5 16GB", 1249, (512,), ("Silver",), watts=65, screen_inches=14.0,
           cpu="Intel Core Ultra 5", ram_gb=16),
        _m("HP", "Victus 15 Ryzen 7 RTX 4060 16GB", 899, (512, 1024), ("Mica Silver", "Performance Blue"),
           watts=140, screen_inches=15.6, cpu="AMD Ryzen 7", ram_gb=16),
        _m("Lenovo", "ThinkPad X1 Carbon Core Ultra 7 32GB", 1899, (1024, 2048), ("Black",), watts=65,
           screen_inches=14.0, cpu="Intel Core Ultra 7", ram_gb=32),
        _m("Lenovo", "IdeaPad Slim 5 Ryzen 7 16GB", 649, (512, 1024), ("Cosmic Blue", "Cloud Grey"), watts=65,
           screen_inches=14.0, cpu="AMD Ryzen 7", ram_gb=16),
        _m("Lenovo", "Yoga Slim 7x Snapdragon X Elite 16GB", 1099, (512, 1024), ("Cosmic Blue",), watts=65,
           screen_inches=14.5, cpu="Snapdragon X Elite", ram_gb=16),
        _m("Lenovo", "Legion 5 Ryzen 7 RTX 4070 32GB", 1499, (1024,), ("Luna Grey",), watts=140, screen_inches=16.0,
           cpu="AMD Ryzen 7", ram_gb=32),
        _m("Asus", "ZenBook 14 OLED Core Ultra 7 16GB", 999, (512, 1024), ("Jasper Grey", "Ponder Blue"), watts=65,
           screen_inches=14.0, cpu="Intel Core Ultra 7", ram_gb=16),
        _m("Asus", "VivoBook 15 Core i5 8GB", 449, (256, 512), ("Quiet Blue", "Cool Silver"), watts=65,
           screen_inches=15.6, cpu="Intel Core i5", ram_gb=8),
        _m("Asus", "ROG Zephyrus G14 Ryzen 9 RTX 4070 32GB", 1999, (1024, 2048), ("Eclipse Grey", "Platinum White"),
           watts=140, screen_inches=14.0, cpu="AMD Ryzen 9", ram_gb=32),
        _m("Acer", "Swift Go 14 Core Ultra 5 16GB", 749, (512, 1024), ("Pure Silver",), watts=65, screen_inches=14.0,
           cpu="Intel Core Ultra 5", ram_gb=16),
        _m("Acer", "Aspire 5 Core i5 8GB", 499, (256, 512), ("Steel Grey",), watts=65, screen_inches=15.6,
           cpu="Intel Core i5", ram_gb=8),
        _m("Acer", "Nitro V 15 Core i5 RTX 4050 16GB", 749, (512, 1024), ("Obsidian Black",), watts=140,
           screen_inches=15.6, cpu="Intel Core i5", ram_gb=16),
        _m("Microsoft", "Surface Laptop 7 Snapdragon X Plus 16GB", 999, (256, 512, 1024),
           ("Platinum", "Black", "Sapphire", "Dune"), watts=65, screen_inches=13.8, cpu="Snapdragon X Plus", ram_gb=16),
    ),
    # TV tiers are screen sizes; the price is the smallest size's.
    "TVs": (
        _m("Samsung", "Neo QLED QN90F", 1299, (55, 65, 75, 85), connector="HDMI", panel="Mini LED", resolution="4K"),
        _m("Samsung", "Crystal UHD DU7100", 379, (43, 50, 55, 65, 75), connector="HDMI", panel="LED", resolution="4K"),
        _m("Samsung", "The Frame LS03D", 999, (43, 55, 65), connector="HDMI", panel="QLED", resolution="4K"),
        _m("LG", "OLED evo C5", 1199, (42, 48, 55, 65, 77), connector="HDMI", panel="OLED", resolution="4K"),
        _m("LG", "OLED evo G5", 2299, (55, 65, 77), connector="HDMI", panel="OLED", resolution="4K"),
        _m("LG", "NanoCell NANO81", 449, (43, 50, 55, 65), connector="HDMI", panel="LED", resolution="4K"),
        _m("Sony", "Bravia 7", 1299, (55, 65, 75, 85), connector="HDMI", panel="Mini LED", resolution="4K"),
        _m("Sony", "Bravia 8 II", 2199, (55, 65), connector="HDMI", panel="OLED", resolution="4K"),
        _m("Sony", "Bravia 3", 599, (43, 50, 55, 65, 75), connector="HDMI", panel="LED", resolution="4K"),
        _m("Panasonic", "Z95A", 2499, (55, 65), connector="HDMI", panel="OLED", resolution="4K"),
        _m("Panasonic", "MX800", 599, (43, 50, 55, 65), connector="HDMI", panel="LED", resolution="4K"),
        _m("Hisense", "U7N", 699, (55, 65, 75, 85), connector="HDMI", panel="Mini LED", resolution="4K"),
        _m("Hisense", "A6N", 299, (43, 50, 55, 65), connector="HDMI", panel="LED", resolution="4K"),
        _m("Hisense", "A4N", 179, (32, 40), connector="HDMI", panel="LED", resolution="HD"),
        _m("TCL", "C855", 899, (55, 65, 75, 85), connector="HDMI", panel="QD-Mini LED", resolution="4K"),
        _m("TCL", "P755", 349, (43, 50, 55), connector="HDMI", panel="LED", resolution="4K"),
        _m("Philips", "OLED809 Ambilight", 1299, (48, 55, 65), connector="HDMI", panel="OLED", resolution="4K"),
        _m("Philips", "The One PUS8909", 549, (43, 50, 55, 65), connector="HDMI", panel="LED", resolution="4K"),
    ),
    "Audio/Headphones": (
        _m("Sony", "WH-1000XM6", 399, colours=("Black", "Platinum Silver", "Midnight Blue"), type="over-ear",
           noise_cancelling=True),
        _m("Sony", "WF-1000XM5", 259, colours=("Black", "Silver"), type="in-ear", noise_cancelling=True),
        _m("Sony", "WH-CH720N", 99, colours=("Black", "White", "Blue"), type="over-ear", noise_cancelling=True),
        _m("Bose", "QuietComfort Ultra Headphones", 449, colours=("Black", "White Smoke", "Sandstone"),
           type="over-ear", noise_cancelling=True),
        _m("Bose", "QuietComfort Ultra Earbuds", 299, colours=("Black", "White Smoke"), type="in-ear",
           noise_cancelling=True),
        _m("Bose", "QuietComfort Headphones", 299, colours=("Black", "White Smoke", "Cypress Green"),
           type="over-ear", noise_cancelling=True),
        _m("Apple", "AirPods 4", 129, colours=("White",), type="in-ear", noise_cancelling=False),
        _m("Apple", "AirPods 4 with Active Noise Cancellation", 179, colours=("White",), type="in-ear",
           noise_cancelling=True),
        _m("Apple", "AirPods Pro 3", 219, colours=("White",), type="in-ear", noise_cancelling=True),
        _m("Apple", "AirPods Max", 499, colours=("Midnight", "Starlight", "Blue", "Purple", "Orange"),
           type="over-ear", noise_cancelling=True),
        _m("Sennheiser", "Momentum 4 Wireless", 299, colours=("Black", "White", "Denim"), type="over-ear",
           noise_cancelling=True),
        _m("Sennheiser", "HD 660S2", 499, connector="3.5mm", type="over-ear wired", noise_cancelling=False),
        _m("JBL", "Tune 770NC", 99, colours=("Black", "Blue", "White", "Purple"), type="over-ear",
           noise_cancelling=True),
        _m("JBL", "Live Pro 2", 149, colours=("Black", "Blue", "Rose"), type="in-ear", noise_cancelling=True),
        _m("JBL", "Tune 520BT", 49, colours=("Black", "Blue", "White", "Purple"), type="on-ear",
           noise_cancelling=False),
        _m("Beats", "Studio Pro", 349, colours=("Black", "Deep Brown", "Navy", "Sandstone"), type="over-ear",
           noise_cancelling=True),
        _m("Beats", "Solo 4", 199, colours=("Matte Black", "Slate Blue", "Cloud Pink"), type="on-ear",
           noise_cancelling=False),
        _m("Beats", "Powerbeats Pro 2", 249, colours=("Jet Black", "Quick Sand", "Electric Orange"), type="in-ear",
           noise_cancelling=True),
        _m("Jabra", "Elite 10 Gen 2", 249, colours=("Titanium Black", "Cream"), type="in-ear", noise_cancelling=True),
        _m("Jabra", "Evolve2 65", 199, colours=("Black", "Beige"), type="on-ear", noise_cancelling=False),
        _m("Audio-Technica", "ATH-M50x", 139, colours=("Black", "White"), connector="3.5mm", type="over-ear wired",
           noise_cancelling=False),
        _m("Audio-Technica", "ATH-SQ1TW", 59, colours=("Black", "Navy", "Beige"), type="in-ear",
           noise_cancelling=False),
    ),
    # Soundbars plug into a TV's HDMI port; portable speakers charge over USB-C.
    "Audio/Speakers": (
        _m("Sonos", "Era 100", 199, colours=("Black", "White"), type="home speaker"),
        _m("Sonos", "Era 300", 449, colours=("Black", "White"), type="home speaker"),
        _m("Sonos", "Move 2", 449, colours=("Black", "Olive", "Wave"), type="portable speaker"),
        _m("Sonos", "Roam 2", 179, colours=("Black", "White", "Olive", "Wave", "Sunset"), type="portable speaker"),
        _m("Sonos", "Arc Ultra Soundbar", 899, colours=("Black", "White"), connector="HDMI", type="soundbar"),
        _m("Sonos", "Beam Soundbar", 499, colours=("Black", "White"), connector="HDMI", type="soundbar"),
        _m("JBL", "Flip 7", 129, colours=("Black", "Blue", "Red", "Pink"), type="portable speaker"),
        _m("JBL", "Charge 6", 179, colours=("Black", "Blue", "Red", "Camo"), type="portable speaker"),
        _m("JBL", "Boombox 3", 449, colours=("Black", "Squad"), type="portable speaker"),
        _m("JBL", "Bar 500 Soundbar", 549, connector="HDMI", type="soundbar"),
        _m("JBL", "Go 4", 39, colours=("Black", "Blue", "Red", "Pink", "White"), type="portable speaker"),
        _m("Bose", "SoundLink Flex", 149, colours=("Black", "Blue Dusk", "White Smoke"), type="portable speaker"),
        _m("Bose", "SoundLink Max", 399, colours=("Black", "Blue Dusk"), type="portable speaker"),
        _m("Bose", "Smart Soundbar", 499, colours=("Black", "Arctic White"), connector="HDMI", type="soundbar"),
        _m("Marshall", "Emberton III", 169, colours=("Black and Brass", "Cream"), type="portable speaker"),
        _m("Marshall", "Stanmore III", 379, colours=("Black", "Brown", "Cream"), type="home speaker"),
        _m("Ultimate Ears", "BOOM 4", 149, colours=("Active Black", "Cobalt Blue", "Hyper Pink"),
           type="portable speaker"),
        _m("Ultimate Ears", "WONDERBOOM 4", 89, colours=("Active Black", "Cobalt Blue", "Joyous Bright"),
           type="portable speaker"),
        _m("Sony", "ULT Field 1", 129, colours=("Black", "Forest Grey", "Off White"), type="portable speaker"),
        _m("Sony", "Bravia Theatre Bar 8", 799, connector="HDMI", type="soundbar"),
        _m("Samsung", "HW-Q800D Soundbar", 599, connector="HDMI", type="soundbar"),
    ),
    # Camera tiers: 0 body only, 1 with kit lens.
    "Cameras": (
        _m("Canon", "EOS R6 Mark II", 2199, (0, 1), type="mirrorless", megapixels=24),
        _m("Canon", "EOS R50", 679, (0, 1), ("Black", "White"), type="mirrorless", megapixels=24),
        _m("Canon", "PowerShot G7 X Mark III", 749, colours=("Black", "Silver"), type="compact", megapixels=20),
        _m("Nikon", "Z6III", 2499, (0, 1), type="mirrorless", megapixels=24),
        _m("Nikon", "Z fc", 899, (0, 1), ("Black", "Silver"), type="mirrorless", megapixels=21),
        _m("Nikon", "Z50II", 859, (0, 1), type="mirrorless", megapixels=21),
        _m("Sony", "Alpha 7 IV", 2099, (0, 1), type="mirrorless", megapixels=33),
        _m("Sony", "ZV-E10 II", 949, (0, 1), ("Black", "White"), type="mirrorless", megapixels=26),
        _m("Sony", "RX100 VII", 1099, type="compact", megapixels=20),
        _m("Fujifilm", "X-T5", 1699, (0, 1), ("Black", "Silver"), type="mirrorless", megapixels=40),
        _m("Fujifilm", "X100VI", 1599, colours=("Black", "Silver"), type="compact", megapixels=40),
        _m("Fujifilm", "Instax Mini 12", 79, colours=("Pastel Blue", "Blossom Pink", "Clay White", "Mint Green"),
           type="instant", megapixels=0),
        _m("Panasonic", "Lumix S5 II", 1699, (0, 1), type="mirrorless", megapixels=24),
        _m("Panasonic", "Lumix G9 II", 1599, (0, 1), type="mirrorless", megapixels=25),
        _m("GoPro", "HERO13 Black", 429, type="action", megapixels=27),
        _m("GoPro", "HERO12 Black", 299, type="action", megapixels=27),
    ),
    # Console tiers are storage; games fit a console's platform.
    "Gaming/Consoles": (
        _m("Sony", "PlayStation 5 Slim", 479, (1024,), ("White",), "HDMI", platform="PlayStation 5"),
        _m("Sony", "PlayStation 5 Slim Digital Edition", 429, (1024,), ("White",), "HDMI", platform="PlayStation 5"),
        _m("Sony", "PlayStation 5 Pro", 699, (2048,), ("White",), "HDMI", platform="PlayStation 5"),
        _m("Sony", "PlayStation Portal", 199, colours=("White", "Midnight Black"), platform="PlayStation 5"),
        _m("Microsoft", "Xbox Series X", 479, (1024, 2048), ("Carbon Black", "Robot White"), "HDMI",
           platform="Xbox Series X|S"),
        _m("Microsoft", "Xbox Series S", 249, (512, 1024), ("Robot White", "Carbon Black"), "HDMI",
           platform="Xbox Series X|S"),
        _m("Nintendo", "Switch 2", 399, (256,), ("Black",), "HDMI", platform="Nintendo Switch 2"),
        _m("Nintendo", "Switch OLED", 309, (64,), ("White", "Neon Red/Neon Blue"), "HDMI", platform="Nintendo Switch"),
        _m("Nintendo", "Switch Lite", 199, (32,), ("Turquoise", "Coral", "Grey", "Blue"), platform="Nintendo Switch"),
        _m("Valve", "Steam Deck OLED", 479, (512, 1024), ("Black",), platform="PC"),
    ),
    "Smart Home": (
        _m("Google", "Nest Hub (2nd gen)", 99, colours=("Chalk", "Charcoal"), assistant="Google Assistant"),
        _m("Google", "Nest Learning Thermostat (4th gen)", 279, colours=("Polished Silver", "Polished Obsidian"),
           assistant="Google Assistant"),
        _m("Google", "Nest Cam (battery)", 179, colours=("Snow",), assistant="Google Assistant"),
        _m("Amazon", "Echo Dot (5th gen)", 54, colours=("Charcoal", "Glacier White", "Deep Sea Blue"),
           assistant="Alexa"),
        _m("Amazon", "Echo Show 8 (3rd gen)", 149, colours=("Charcoal", "Glacier White"), assistant="Alexa"),
        _m("Amazon", "Echo Pop", 44, colours=("Charcoal", "Glacier White", "Lavender Bloom", "Midnight Teal"),
           assistant="Alexa"),
        _m("Philips Hue", "White and Colour Ambiance E27 Bulb", 49, colours=("White",), assistant="Matter"),
        _m("Philips Hue", "Play Light Bar, 2-Pack", 129, colours=("Black", "White"), assistant="Matter"),
        _m("Philips Hue", "Bridge", 59, colours=("White",), assistant="Matter"),
        _m("Ring", "Battery Video Doorbell", 99, colours=("Satin Nickel", "Venetian Bronze"), assistant="Alexa"),
        _m("Ring", "Stick Up Cam Battery", 89, colours=("Black", "White"), assistant="Alexa"),
        _m("TP-Link", "Tapo P100 Smart Plug", 12, colours=("White",), assistant="Matter"),
        _m("TP-Link", "Tapo C200 Wi-Fi Camera", 29, colours=("White",), assistant="Alexa"),
        _m("TP-Link", "Deco X50 Mesh Wi-Fi, 3-Pack", 229, colours=("White",), assistant="Alexa"),
        _m("Eufy", "RoboVac L35 Hybrid", 349, colours=("Black",), assistant="Alexa"),
        _m("Eufy", "Video Doorbell E340", 149, colours=("Black",), assistant="Alexa"),
    ),
    # Wearable tiers are case sizes in mm.
    "Wearables": (
        _m("Apple", "Watch Series 11", 399, (42, 46), ("Jet Black", "Rose Gold", "Silver", "Space Grey"), watts=20),
        _m("Apple", "Watch SE 3", 219, (40, 44), ("Midnight", "Starlight"), watts=20),
        _m("Apple", "Watch Ultra 3", 799, (49,), ("Natural Titanium", "Black Titanium"), watts=20),
        _m("Samsung", "Galaxy Watch8", 289, (40, 44), ("Graphite", "Silver"), watts=15),
        _m("Samsung", "Galaxy Watch Ultra", 599, (47,), ("Titanium Gray", "Titanium Silver", "Titanium White"),
           watts=15),
        _m("Garmin", "Forerunner 265", 349, (42, 46), ("Black", "Whitestone", "Aqua"), watts=15),
        _m("Garmin", "Venu 3", 449, (41, 45), ("Slate", "Ivory", "French Grey"), watts=15),
        _m("Garmin", "Fenix 8", 899, (47, 51), ("Slate Grey", "Bare Titanium"), watts=15),
        _m("Fitbit", "Charge 6", 139, colours=("Obsidian", "Porcelain", "Coral"), watts=15),
        _m("Fitbit", "Versa 4", 199, colours=("Black", "Waterfall Blue", "Pink Sand"), watts=15),
        _m("Google", "Pixel Watch 3", 349, (41, 45), ("Matte Black", "Polished Silver", "Champagne Gold"), watts=15),
    ),
}

# Accessory lines. Cases and screen protectors are made for one phone or tablet model; cables for a
# connector; chargers by wattage; games for a console platform. Prices in GBP.
CASE_STYLES = (("Ultra Hybrid Case", 17.99), ("Tough Armor Case", 24.99), ("Slim Silicone Case", 12.99),
               ("Clear MagSafe Case", 29.99), ("Leather Wallet Case", 34.99), ("Rugged Defender Case", 39.99))
CASE_BRANDS = {"Spigen": 1.0, "OtterBox": 1.35, "ESR": 0.8, "Case-Mate": 1.1}  # price factor
CASE_COLOURS = ("Black", "Clear", "Navy", "Sage Green", "Lilac", "Red")
TABLET_CASE_FACTOR = 1.6  # a tablet case costs this much more than a phone case of the same style
# (label, pack, price)
PROTECTOR_KINDS = (("Tempered Glass Screen Protector", "2-Pack", 9.99), ("Privacy Glass Screen Protector", "", 19.99),
                   ("Anti-Glare Matte Screen Protector", "3-Pack", 12.99),
                   ("Sapphire Glass Screen Protector", "", 29.99))
PROTECTOR_BRANDS = {"Spigen": 1.0, "ESR": 0.8, "Belkin": 1.4, "ZAGG": 1.5}
# (label, device-end connector, price of the shortest, lengths in m): longer costs more.
CABLES = (("USB-C to USB-C Cable", "USB-C", 8.99, (1, 2)), ("USB-C to Lightning Cable", "Lightning", 12.99, (1, 2)),
          ("HDMI 2.1 Cable", "HDMI", 9.99, (1, 2, 3)), ("3.5mm Audio Cable", "3.5mm", 5.99, (1, 2)))
CABLE_BRANDS = {"Anker": 1.1, "Belkin": 1.3, "Amazon Basics": 0.7, "Ugreen": 0.85}
CABLE_COLOURS = ("Black", "White")
# (label, price of the lowest wattage, wattages): more watts cost more.
CHARGERS = (("USB-C Wall Charger", 12.99, (20, 30, 45)), ("GaN USB-C Laptop Charger", 39.99, (65, 100, 140)),
            ("USB-C Car Charger", 14.99, (30, 45)), ("Wireless Charging Pad", 19.99, (15,)),
            ("Power Bank 10,000mAh", 24.99, (20, 30)))
CHARGER_BRANDS = {"Anker": 1.1, "Belkin": 1.3, "Ugreen": 0.9, "Apple": 1.6, "Samsung": 1.2}
CHARGER_COLOURS = ("Black", "White")
GAME_WORDS_A = ("Shadow", "Legend", "Rise", "Echoes", "Chronicles", "Call", "Edge", "Tales", "Kingdom", "Storm",
                "Heart", "Age", "Star", "Dawn", "Blood", "Song", "Secret", "Fall", "Return", "Quest", "Knights",
                "Wrath", "Lords", "Spirit", "Path")
GAME_WORDS_B = ("the Forgotten Realm", "Iron", "the Deep", "Neon City", "the Ancients", "Duty", "Tomorrow", "the Wild",
                "Fire", "Eternity", "the Last Light", "Steel", "the North", "Horizon", "Glory", "the Void", "Ember",
                "the Sunken Isles", "Thunder", "the Lost Crown", "Frost", "the Outer Rim", "Ash", "the Drowned City",
                "Dragons")
GAME_PRICES = (19.99, 29.99, 39.99, 49.99, 59.99, 69.99)  # a title costs the same on every platform
GAME_EDITIONS = ("Standard Edition", "Deluxe Edition")  # tiers: the deluxe edition costs more
GAME_PLATFORM_SHORT = {"PlayStation 5": "PS5", "Xbox Series X|S": "Xbox Series X|S", "Nintendo Switch": "Switch",
                       "Nintendo Switch 2": "Switch 2", "PC": "PC"}
