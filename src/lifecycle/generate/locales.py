"""Reference data for people: countries (with names, languages, phone formats, tax rates),
cities with time zones, postal code formats and e-mail parts.

Used by the customers step, the shop (country weights) and orders (tax rates, guest e-mails).
"""

from __future__ import annotations

# code: weight, national number length, leading digit, tax rate, languages, first names, last names
COUNTRIES: dict[str, tuple] = {
    "US": (18, 10, "4", 0.07, ["en-US", "es-US"], ["James", "Olivia", "Liam", "Emma", "Noah", "Ava", "Mason"],
           ["Smith", "Johnson", "Williams", "Brown", "O'Connor", "Garcia", "Miller"]),
    "CA": (4, 10, "6", 0.13, ["en-CA", "fr-CA"], ["Liam", "Chloé", "Ethan", "Léa", "Owen"],
           ["Tremblay", "Gagnon", "Roy", "Côté", "MacDonald"]),
    "GB": (8, 10, "7", 0.20, ["en-GB"], ["Oliver", "Amelia", "Harry", "Isla", "George", "Siobhan"],
           ["Jones", "Taylor", "Davies", "Evans", "Wilson", "Smith-Jones"]),
    "FR": (8, 9, "6", 0.20, ["fr-FR", "fr"], ["Hélène", "François", "Chloé", "Jérôme", "Zoé", "Loïc", "Gaëlle"],  # noqa: E501
           ["Lefèvre", "Dubois", "Moreau", "Girard", "Bérénger", "Lemaître"]),
    "DE": (7, 10, "1", 0.19, ["de-DE", "de"], ["Jürgen", "Anna", "Lukas", "Mia", "Jörg", "Sören"],
           ["Müller", "Schröder", "Weiß", "Becker", "Groß"]),
    "ES": (4, 9, "6", 0.21, ["es-ES", "ca-ES"], ["José", "María", "Álvaro", "Lucía", "Iñigo"],
           ["García", "Martínez", "Núñez", "López", "Muñoz"]),
    "IT": (4, 10, "3", 0.22, ["it-IT"], ["Giulia", "Marco", "Niccolò", "Francesca", "Luca"],
           ["Rossi", "Russo", "Ferrari", "Esposito", "D'Angelo"]),
    "NL": (3, 9, "6", 0.21, ["nl-NL"], ["Daan", "Emma", "Sem", "Julia", "Bram"],
           ["de Jong", "Jansen", "de Vries", "van den Berg", "Bakker"]),
    "RO": (8, 9, "7", 0.19, ["ro-RO", "ro"], ["Ștefan", "Andreea", "Mihai", "Ioana", "Răzvan", "Alexandra", "Bogdan"],  # noqa: E501
           ["Popescu", "Ionescu", "Dumitrescu", "Stănescu", "Țurcanu", "Munteanu", "Șerban"]),
    "BG": (4, 9, "8", 0.20, ["bg-BG", "bg"], ["Георги", "Мария", "Иван", "Десислава", "Николай"],
           ["Петров", "Иванова", "Димитров", "Георгиева", "Стоянов"]),
    "RU": (5, 10, "9", 0.20, ["ru-RU", "ru"], ["Анна", "Дмитрий", "Мария", "Сергей", "Ольга", "Алексей"],
           ["Иванова", "Смирнов", "Кузнецова", "Попов", "Соколова", "Волков"]),
    "CN": (6, 11, "1", 0.13, ["zh-Hans-CN", "zh-CN"], ["伟", "芳", "娜", "秀英", "敏", "静"],
           ["王", "李", "张", "刘", "陈", "欧阳"]),
    "JP": (3, 10, "9", 0.10, ["ja-JP", "ja"], ["翔", "陽菜", "蓮", "結衣", "大翔"],
           ["佐藤", "鈴木", "高橋", "田中", "渡辺"]),
    "AU": (3, 9, "4", 0.10, ["en-AU"], ["Jack", "Charlotte", "William", "Matilda", "Lachlan"],
           ["Smith", "Nguyen", "Kelly", "Walker", "Wright"]),
    "CH": (2, 9, "7", 0.081, ["de-CH", "fr-CH"], ["Noah", "Léa", "Luca", "Mia", "Reto"],
           ["Müller", "Meier", "Schmid", "Favre", "Keller"]),
    "PL": (3, 9, "5", 0.23, ["pl-PL", "pl"], ["Łukasz", "Zofia", "Paweł", "Małgorzata", "Jakub"],
           ["Kowalski", "Wiśniewska", "Wójcik", "Nowak", "Zieliński"]),
    "SE": (2, 9, "7", 0.25, ["sv-SE", "sv"], ["Åsa", "Björn", "Linnéa", "Erik", "Maja"],
           ["Andersson", "Johansson", "Öberg", "Lindström", "Nilsson"]),
    "BR": (4, 11, "1", 0.17, ["pt-BR"], ["João", "Ana", "Luís", "Gabriela", "Conceição"],
           ["Silva", "Gonçalves", "Araújo", "Santos", "Simões"]),
    "IN": (4, 10, "9", 0.18, ["en-IN", "hi-IN"], ["Priya", "Arjun", "Ananya", "Rohan", "Saanvi"],
           ["Sharma", "Patel", "Iyer", "Reddy", "Gupta"]),
}  # fmt: skip
# city, region, IANA time zone
CITIES: dict[str, list[tuple[str, str, str]]] = {
    "US": [("New York", "NY", "America/New_York"), ("Chicago", "IL", "America/Chicago"),
           ("Los Angeles", "CA", "America/Los_Angeles"), ("Denver", "CO", "America/Denver"),
           ("Seattle", "WA", "America/Los_Angeles"), ("Miami", "FL", "America/New_York")],
    "CA": [("Toronto", "ON", "America/Toronto"), ("Montréal", "QC", "America/Toronto"),
           ("Vancouver", "BC", "America/Vancouver"), ("Calgary", "AB", "America/Edmonton")],
    "GB": [("London", "England", "Europe/London"), ("Manchester", "England", "Europe/London"),
           ("Edinburgh", "Scotland", "Europe/London")],
    "FR": [("Paris", "Île-de-France", "Europe/Paris"), ("Lyon", "Auvergne-Rhône-Alpes", "Europe/Paris"),
           ("Marseille", "Provence-Alpes-Côte d'Azur", "Europe/Paris")],
    "DE": [("Berlin", "Berlin", "Europe/Berlin"), ("München", "Bayern", "Europe/Berlin"),
           ("Köln", "Nordrhein-Westfalen", "Europe/Berlin")],
    "ES": [("Madrid", "Comunidad de Madrid", "Europe/Madrid"), ("Barcelona", "Cataluña", "Europe/Madrid"),
           ("Sevilla", "Andalucía", "Europe/Madrid"), ("Las Palmas", "Canarias", "Atlantic/Canary")],
    "IT": [("Roma", "Lazio", "Europe/Rome"), ("Milano", "Lombardia", "Europe/Rome"),
           ("Napoli", "Campania", "Europe/Rome")],
    "NL": [("Amsterdam", "Noord-Holland", "Europe/Amsterdam"), ("Rotterdam", "Zuid-Holland", "Europe/Amsterdam"),  # noqa: E501
           ("Utrecht", "Utrecht", "Europe/Amsterdam")],
    "RO": [("București", "București", "Europe/Bucharest"), ("Cluj-Napoca", "Cluj", "Europe/Bucharest"),
           ("Iași", "Iași", "Europe/Bucharest"), ("Timișoara", "Timiș", "Europe/Bucharest"),
           ("Brașov", "Brașov", "Europe/Bucharest")],
    "BG": [("София", "София-град", "Europe/Sofia"), ("Пловдив", "Пловдив", "Europe/Sofia"),
           ("Варна", "Варна", "Europe/Sofia")],
    "RU": [("Москва", "Москва", "Europe/Moscow"), ("Санкт-Петербург", "Санкт-Петербург", "Europe/Moscow"),
           ("Новосибирск", "Новосибирская область", "Asia/Novosibirsk"),
           ("Екатеринбург", "Свердловская область", "Asia/Yekaterinburg")],
    "CN": [("北京", "北京市", "Asia/Shanghai"), ("上海", "上海市", "Asia/Shanghai"), ("广州", "广东省", "Asia/Shanghai"),  # noqa: E501
           ("成都", "四川省", "Asia/Shanghai")],
    "JP": [("東京", "東京都", "Asia/Tokyo"), ("大阪", "大阪府", "Asia/Tokyo"), ("札幌", "北海道", "Asia/Tokyo")],  # noqa: E501
    "AU": [("Sydney", "NSW", "Australia/Sydney"), ("Melbourne", "VIC", "Australia/Melbourne"),
           ("Perth", "WA", "Australia/Perth"), ("Brisbane", "QLD", "Australia/Brisbane")],
    "CH": [("Zürich", "ZH", "Europe/Zurich"), ("Genève", "GE", "Europe/Zurich"), ("Basel", "BS", "Europe/Zurich")],  # noqa: E501
    "PL": [("Warszawa", "mazowieckie", "Europe/Warsaw"), ("Kraków", "małopolskie", "Europe/Warsaw"),
           ("Gdańsk", "pomorskie", "Europe/Warsaw")],
    "SE": [("Stockholm", "Stockholms län", "Europe/Stockholm"), ("Göteborg", "Västra Götaland", "Europe/Stockholm"),  # noqa: E501
           ("Malmö", "Skåne", "Europe/Stockholm")],
    "BR": [("São Paulo", "SP", "America/Sao_Paulo"), ("Rio de Janeiro", "RJ", "America/Sao_Paulo"),
           ("Manaus", "AM", "America/Manaus")],
    "IN": [("Mumbai", "Maharashtra", "Asia/Kolkata"), ("Bengaluru", "Karnataka", "Asia/Kolkata"),
           ("Delhi", "Delhi", "Asia/Kolkata")],
}  # fmt: skip
_D = "{:0{}d}".format
POSTAL = {
    "US": lambda a, b: _D(a % 100000, 5) + (f"-{b % 10000:04d}" if b % 10 == 0 else ""),
    "CA": lambda a, b: ["M5V 2T6", "H2X 1Y4", "V6B 4Y8", "T2P 1J9", "M4C 1B5"][a % 5],
    "GB": lambda a, b: ["SW1A 1AA", "M1 1AE", "EH1 1YZ", "EC1A 1BB", "W1A 0AX", "B33 8TH"][a % 6],
    "NL": lambda a, b: f"{1000 + a % 9000} {'ABCDEKLMRX'[b % 10]}{'ABCDEKLMRX'[b // 10 % 10]}",
    "JP": lambda a, b: f"{a % 1000:03d}-{b % 10000:04d}",
    "PL": lambda a, b: f"{a % 100:02d}-{b % 1000:03d}",
    "SE": lambda a, b: f"{100 + a % 900} {b % 100:02d}",
    "BR": lambda a, b: f"{a % 100000:05d}-{b % 1000:03d}",
}
POSTAL_DIGITS = {"RO": 6, "RU": 6, "CN": 6, "IN": 6, "BG": 4, "AU": 4, "CH": 4}
EMAIL_HANDLES = ["alex", "sam", "maria", "ion", "anna", "li", "yuki", "jo", "kim", "dan", "eva", "max",
                 "nina", "omar", "raj", "sofia", "elena", "mihai", "olga", "wei"]  # fmt: skip
DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "mail.ru", "qq.com", "web.de", "orange.fr", "yandex.ru",
           "icloud.com", "hotmail.co.uk", "gmx.de", "abv.bg"]  # fmt: skip
