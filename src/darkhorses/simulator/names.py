"""Name generators for the synthetic world: horses, people, owners, breeders, stable towns.

Names are built from small word lists so that they read like racing names, are cheap to make
(a few uniform draws, or hashed bits for horses), and repeat rarely enough for searches to
return short lists.
"""

from __future__ import annotations

from collections.abc import Callable

from darkhorses.simulator.rng import pick

_HORSE_FIRST = (
    "Silver", "Golden", "Dark", "Royal", "Midnight", "Lady", "Mister", "Brave", "Lucky", "Wild",
    "Quiet", "Crimson", "Northern", "Southern", "Western", "Eastern", "Little", "Big", "Red",
    "Blue", "Green", "Black", "White", "Grey", "Proud", "Noble", "Rapid", "Secret", "Hidden",
    "Sweet", "Bold", "Gentle", "Iron", "Stormy", "Sunny", "Misty", "Frosty", "Highland", "Lord",
    "Captain", "Queen", "King", "Prince", "Princess", "Sir", "Master", "Magic", "Mystic", "Ocean",
    "Desert", "Winter", "Summer", "Autumn", "Spring", "Thunder", "Velvet", "Copper", "Crystal",
    "Emerald", "Ruby", "Amber", "Scarlet", "Shadow", "Distant", "Falling", "Rising", "Dancing",
    "Flying", "Running", "Jumping", "Singing", "Laughing", "Roaring", "Whispering", "Wandering",
)
_HORSE_SECOND = (
    "Arrow", "Star", "Moon", "River", "Legend", "Dream", "Spirit", "Echo", "Storm", "Flame",
    "Glory", "Harbour", "Island", "Journey", "Knight", "Lantern", "Meadow", "Melody", "Monarch",
    "Mountain", "Oracle", "Pilgrim", "Quest", "Rebel", "Rhythm", "Rocket", "Sapphire", "Shore",
    "Sonnet", "Thistle", "Tiger", "Valley", "Victory", "Voyage", "Warrior", "Whisper", "Wind",
    "Wonder", "Blaze", "Breeze", "Comet", "Crown", "Diamond", "Falcon", "Fortune", "Gem", "Hawk",
    "Horizon", "Jewel", "Kestrel", "Lion", "Magpie", "Mirage", "Nomad", "Orchid", "Panther",
    "Phoenix", "Raven", "Ridge", "Sparrow", "Tempest", "Thunder", "Tornado", "Trail", "Venture",
    "Wave", "Willow", "Zephyr", "Bay", "Cove", "Dancer", "Runner", "Singer", "Prospect", "Affair",
)
_FIRST_NAMES = (
    "James", "John", "Paul", "Tom", "William", "Harry", "Jack", "Oisin", "Sean", "Patrick",
    "Daniel", "David", "Richard", "Robert", "Michael", "Mark", "Rachael", "Hollie", "Bryony",
    "Jamie", "Ryan", "Rossa", "Rob", "Kieran", "Luke", "Oliver", "Callum", "Hayley", "Josephine",
    "Saffie", "Billy", "Danny", "Adam", "Ben", "Charlie", "Sam", "Joe", "Declan", "Colm", "Shane",
    "Nicola", "Emma", "Lucy", "Gavin", "Conor", "Rory", "Aidan", "Donnacha", "Wayne", "Kevin",
    "Gerald", "Philip", "Andrew", "Dylan", "Cieren", "Hector", "Finley", "Harriet", "Megan", "Aine",
)
_SURNAMES = (
    "Murphy", "Kelly", "Walsh", "Moore", "Doyle", "Dettori", "Buick", "Fanning", "Spencer",
    "Hughes", "Crowley", "Kingscote", "Keniry", "Hanagan", "Tudhope", "Mullen", "Loughnane",
    "Cosgrave", "Marquand", "Levey", "Dobbs", "Fallon", "Geraghty", "Johnson", "Cobden",
    "de Boinville", "Skelton", "Bowen", "Twiston-Davies", "Brennan", "Townend", "Kennedy",
    "Blackmore", "Russell", "Geoghegan", "Power", "Carberry", "Coleman", "Williams", "Jones",
    "Davies", "Evans", "Thomas", "Roberts", "Harvey", "Stevens", "Hammond", "Kirby", "Scott",
    "Dixon", "Owen", "Henderson", "Nicholls", "King", "Elliott", "Mullins", "De Bromhead",
    "Appleby", "Gosden", "Haggas", "Johnston", "Fahey", "Easterby", "Dascombe", "Channon",
    "Hannon", "Balding", "Beckett", "Varian", "Stoute", "Charlton", "Crisford", "Burke", "Quinn",
    "Tate", "McCain", "Lavelle", "Pauling", "Bailey", "Tizzard", "Greatrex", "Dunne", "Cromwell",
)
_OWNER_SUFFIXES = (
    "Racing", "Racing Club", "Partnership", "Syndicate", "Bloodstock", "Thoroughbreds",
    "Racing Limited", "& Partners", "Stud", "Equine",
)
_TOWNS = {
    "GB": (
        "Newmarket, Suffolk", "Lambourn, Berks", "Middleham, N Yorks", "Malton, N Yorks",
        "Epsom, Surrey", "Ditcheat, Somerset", "Upper Lambourn, Berks", "Kingsclere, Hants",
        "Hambleton, N Yorks", "Cheltenham, Glos", "Naunton, Glos", "Brompton Regis, Somerset",
        "Cartmel, Cumbria", "East Appleton, N Yorks", "Musley Bank, N Yorks", "Marlborough, Wilts",
    ),
    "IRE": (
        "Closutton, Co Carlow", "Cullentra, Co Meath", "Knockeen, Co Waterford", "Curragh, Co Kildare",
        "Ballydoyle, Co Tipperary", "Stamullen, Co Meath", "Dunboyne, Co Meath",
        "Draperstown, Co. Derry", "Bansha, Co Tipperary", "Fethard, Co Tipperary",
    ),
    "FR": ("Chantilly, France", "Deauville, France", "Maisons-Laffitte, France", "Pau, France"),
    "USA": ("Lexington, Kentucky", "Elmont, New York", "Arcadia, California"),
    "AUS": ("Flemington, Victoria", "Randwick, New South Wales", "Caulfield, Victoria"),
}


def horse_name(bits: int) -> str:
    """Two words, sometimes run together, sometimes three words (as real names are).

    The name comes from 64 hashed bits rather than a random stream, so a whole cohort's names can
    be listed for a search without generating its horses.
    """
    first_count, second_count = len(_HORSE_FIRST), len(_HORSE_SECOND)
    first = _HORSE_FIRST[bits % first_count]
    bits //= first_count
    second = _HORSE_SECOND[bits % second_count]
    bits //= second_count
    roll = bits % 100
    bits //= 100
    if roll < 12:
        return first + second.lower()
    if roll < 20:
        return f"{first} {_HORSE_FIRST[bits % first_count]} {second}"
    return f"{first} {second}"


Uniform = Callable[[], float]


def person_name(uniform: Uniform) -> str:
    """A forename and surname, occasionally written with an initial as racecards do."""
    surname, first = pick(_SURNAMES, uniform()), pick(_FIRST_NAMES, uniform())
    return f"{first[0]} {surname}" if uniform() < 0.15 else f"{first} {surname}"


def owner_name(uniform: Uniform) -> str:
    """A private owner, a couple, or a syndicate/club name."""
    roll = uniform()
    if roll < 0.4:
        return person_name(uniform)
    if roll < 0.55:
        return f"Mr & Mrs {pick(_FIRST_NAMES, uniform())[0]} {pick(_SURNAMES, uniform())}"
    return f"{pick(_HORSE_FIRST, uniform())} {pick(_HORSE_SECOND, uniform())} {pick(_OWNER_SUFFIXES, uniform())}"


def breeder_name(uniform: Uniform) -> str:
    """Breeders read like studs or people."""
    if uniform() < 0.3:
        return f"{pick(_HORSE_SECOND, uniform())} {pick(('Stud', 'Farm', 'Bloodstock'), uniform())}"
    return person_name(uniform)


def stable_town(uniform: Uniform, region: str) -> str:
    """A training centre in the trainer's country."""
    return pick(_TOWNS[region], uniform())
