"""Product pictures for the demo shop: an SVG drawn from the product's category and name.

The demo catalogue has no photographs; each product gets a placeholder with a simple outline of the
kind of device and its category's name, in its department's colour shifted a little by the
product's name, so neighbouring cards are told apart at a glance.
"""
import hashlib
from xml.sax.saxutils import escape

# Outlines on a 400 x 300 canvas, centred around (200, 120); the category's name goes below them.
_STROKE = 'fill="none" stroke="currentColor" stroke-width="8" stroke-linecap="round" stroke-linejoin="round"'
SHAPES = {
    "phone": f'<rect x="165" y="50" width="70" height="130" rx="12" {_STROKE}/><path d="M192 165h16" {_STROKE}/>',
    "tablet": f'<rect x="135" y="55" width="130" height="125" rx="12" {_STROKE}/>',
    "laptop": (f'<rect x="130" y="60" width="140" height="90" rx="6" {_STROKE}/>'
               f'<path d="M105 175h190l-15-20H120z" {_STROKE}/>'),
    "tv": (f'<rect x="95" y="50" width="210" height="120" rx="6" {_STROKE}/>'
           f'<path d="M170 190h60M200 170v20" {_STROKE}/>'),
    "headphones": (f'<path d="M130 150v-30a70 70 0 0 1 140 0v30" {_STROKE}/>'
                   f'<rect x="118" y="135" width="28" height="50" rx="8" {_STROKE}/>'
                   f'<rect x="254" y="135" width="28" height="50" rx="8" {_STROKE}/>'),
    "speaker": (f'<rect x="155" y="45" width="90" height="145" rx="14" {_STROKE}/>'
                f'<circle cx="200" cy="80" r="14" {_STROKE}/><circle cx="200" cy="145" r="26" {_STROKE}/>'),
    "camera": (f'<path d="M120 80h40l12-18h56l12 18h40v100H120z" {_STROKE}/>'
               f'<circle cx="200" cy="130" r="32" {_STROKE}/>'),
    "console": (f'<path d="M130 95h140a35 35 0 0 1 0 70l-30-10h-80l-30 10a35 35 0 0 1 0-70z" {_STROKE}/>'
                f'<path d="M150 130h30M165 115v30" {_STROKE}/><circle cx="245" cy="125" r="5" {_STROKE}/>'),
    "game": f'<rect x="155" y="45" width="90" height="140" rx="6" {_STROKE}/><path d="M170 70h60" {_STROKE}/>',
    "cable": (f'<path d="M120 170c40-120 120 40 160-80" {_STROKE}/>'
              f'<rect x="105" y="165" width="30" height="22" rx="4" {_STROKE}/>'
              f'<rect x="265" y="70" width="30" height="22" rx="4" {_STROKE}/>'),
    "case": (f'<rect x="160" y="45" width="80" height="140" rx="18" {_STROKE}/>'
             f'<circle cx="185" cy="70" r="9" {_STROKE}/>'),
    "charger": (f'<rect x="160" y="80" width="80" height="90" rx="12" {_STROKE}/>'
                f'<path d="M185 80V55M215 80V55M205 105l-15 25h20l-15 25" {_STROKE}/>'),
    "smart-home": f'<path d="M130 120l70-60 70 60v65H130z" {_STROKE}/><path d="M185 185v-35h30v35" {_STROKE}/>',
    "wearable": (f'<rect x="165" y="85" width="70" height="80" rx="16" {_STROKE}/>'
                 f'<path d="M180 85V50h40v35M180 165v35h40v-35" {_STROKE}/>'),
    "other": f'<rect x="140" y="60" width="120" height="120" rx="16" {_STROKE}/>',
}
# The first keyword found in the category path (lower case) picks the outline.
KEYWORDS = (
    ("headphone", "headphones"), ("speaker", "speaker"), ("cable", "cable"), ("case", "case"),
    ("charger", "charger"), ("console", "console"), ("game", "game"), ("phone", "phone"), ("tablet", "tablet"),
    ("laptop", "laptop"), ("tv", "tv"), ("camera", "camera"), ("smart home", "smart-home"),
    ("wearable", "wearable"), ("audio", "speaker"),
)


def shape_for(category_path: str) -> str:
    path = category_path.lower()
    return next((shape for keyword, shape in KEYWORDS if keyword in path), "other")


def _hash(text: str) -> int:
    return int(hashlib.sha1(text.encode()).hexdigest()[:6], 16)


def placeholder_svg(*, name: str, category_path: str) -> str:
    """An SVG picture (400 x 300): the category's outline and name, in a colour of its department."""
    parts = category_path.split("/") if category_path else []
    hue = (_hash(parts[0] if parts else name) + _hash(name) % 41 - 20) % 360
    label = parts[-1] if parts else "ElectroShop"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 300" role="img" '
        f'aria-label="{escape(name, {chr(34): "&quot;"})}">'
        f'<rect width="400" height="300" fill="hsl({hue} 60% 93%)"/>'
        f'<g color="hsl({hue} 45% 38%)">{SHAPES[shape_for(category_path)]}</g>'
        f'<text x="200" y="250" text-anchor="middle" fill="hsl({hue} 35% 30%)" font-family="system-ui, sans-serif" '
        f'font-size="18" font-weight="700" letter-spacing="3">{escape(label.upper())}</text>'
        "</svg>"
    )
