#!/usr/bin/env python3
"""Writes the small MaxMind DB files that the GeoIP tests read, with plain python3 and no packages.

    python3 Tests/AnalyticsTests/Fixtures/geoip/make-test-db.py

The files go next to this script. The output is deterministic, so running it again leaves them unchanged.

- test-ipv6-24.mmdb: IPv6 tree, 24-bit records; ::ffff:0:0/96 and 2002::/16 lead to the IPv4 networks, as in
  MaxMind's own databases.
- test-ipv6-28.mmdb, test-ipv6-32.mmdb: the same networks with 28- and 32-bit records, without those links.
- test-ipv4-28.mmdb: IPv4 tree (ip_version 4) of the IPv4 networks, 28-bit records.

The format is the MaxMind DB format version 2.0 (https://maxmind.github.io/MaxMind-DB/). The data section starts with
a data cache container holding the shared keys and names, which the records reach through pointers (of every size
that fits these small files), and ends with an end marker. Some records carry an "extras" map with every other data
type before the country, so a reader must skip them all.
"""

import ipaddress
import os
import struct

# --- Typed values: Python's own types cannot say which MaxMind DB integer or float type to write.


class Uint16(int):
    """An unsigned 16-bit integer (type 5)."""


class Uint32(int):
    """An unsigned 32-bit integer (type 6)."""


class Uint64(int):
    """An unsigned 64-bit integer (type 9)."""


class Uint128(int):
    """An unsigned 128-bit integer (type 10)."""


class Int32(int):
    """A signed 32-bit integer (type 8)."""


class Float32(float):
    """A binary32 float (type 15); a plain float is written as a double (type 3)."""


UNSIGNED_TYPES = {Uint16: (5, 2), Uint32: (6, 4), Uint64: (9, 8), Uint128: (10, 16)}


def control(type_number, size):
    """The control byte(s) of a field: type (extended for types above 7) and payload size."""
    if size < 29:
        first, extra = size, b""
    elif size < 285:
        first, extra = 29, bytes([size - 29])
    elif size < 65821:
        first, extra = 30, (size - 285).to_bytes(2, "big")
    else:
        first, extra = 31, (size - 65821).to_bytes(3, "big")
    if type_number <= 7:
        return bytes([type_number << 5 | first]) + extra
    return bytes([first, type_number - 7]) + extra


def pointer(offset, wide):
    """A pointer to `offset` in the section: the smallest size class, or the 32-bit one when `wide`."""
    if not wide:
        if offset < 2048:
            return bytes([0x20 | offset >> 8, offset & 0xFF])
        if offset < 2048 + (1 << 19):
            value = offset - 2048
            return bytes([0x28 | value >> 16]) + (value & 0xFFFF).to_bytes(2, "big")
        if offset < 526336 + (1 << 27):
            value = offset - 526336
            return bytes([0x30 | value >> 24]) + (value & 0xFFFFFF).to_bytes(3, "big")
    return bytes([0x38]) + offset.to_bytes(4, "big")


def canonical(value):
    """A hashable key telling values apart by type as well as content, for sharing identical values."""
    if isinstance(value, dict):
        return ("map", tuple((key, canonical(item)) for key, item in value.items()))
    if isinstance(value, list):
        return ("array", tuple(canonical(item) for item in value))
    return (type(value).__name__, value)


class Section:
    """A data section (or the metadata): values are written once and shared through pointers."""

    def __init__(self, cached_strings=(), share=True):
        self.share = share
        cache = bytearray()
        relative = {}
        for text in cached_strings:
            if text not in relative:
                relative[text] = len(cache)
                cache += self.inline(text)
        self.bytes = bytearray()
        self.cached = {}
        if cache:
            # The data cache container: nothing points at it, pointers point into it.
            header = control(12, len(cache))
            self.bytes += header + cache
            self.cached = {text: len(header) + offset for text, offset in relative.items()}
        self.stored = {}
        self.pointers = 0
        self.size_classes = set()

    def pointer(self, offset):
        """A pointer to `offset`; every fourth one is written in the 32-bit form."""
        self.pointers += 1
        encoded = pointer(offset, wide=self.pointers % 4 == 0)
        self.size_classes.add(encoded[0] >> 3 & 0x3)
        return encoded

    def store(self, value):
        """The offset of `value` in the section, writing it the first time."""
        key = canonical(value)
        if key not in self.stored:
            encoded = self.inline(value)
            self.stored[key] = len(self.bytes)
            self.bytes += encoded
        return self.stored[key]

    def child(self, value):
        """A value inside a map or an array: a pointer to a shared copy for cached strings and non-empty maps and
        arrays, the value itself otherwise (always, in a section that does not share)."""
        if not self.share:
            return self.inline(value)
        if isinstance(value, str) and value in self.cached:
            return self.pointer(self.cached[value])
        if isinstance(value, (dict, list)) and value:
            return self.pointer(self.store(value))
        return self.inline(value)

    def inline(self, value):
        """The encoded field for `value`, its children written as `child` says."""
        if isinstance(value, bool):
            return control(14, int(value))
        if isinstance(value, Float32):
            return control(15, 4) + struct.pack(">f", value)
        if isinstance(value, float):
            return control(3, 8) + struct.pack(">d", value)
        if isinstance(value, Int32):
            payload = struct.pack(">i", value).lstrip(b"\x00") if value >= 0 else struct.pack(">i", value)
            return control(8, len(payload)) + payload
        if isinstance(value, int):
            type_number, width = UNSIGNED_TYPES.get(type(value), (6, 4))
            assert 0 <= value < 1 << (8 * width), value
            payload = value.to_bytes(width, "big").lstrip(b"\x00")
            return control(type_number, len(payload)) + payload
        if isinstance(value, str):
            encoded = value.encode("utf-8")
            return control(2, len(encoded)) + encoded
        if isinstance(value, bytes):
            return control(4, len(value)) + value
        if isinstance(value, dict):
            return control(7, len(value)) + b"".join(
                self.child(key) + self.child(item) for key, item in value.items()
            )
        if isinstance(value, list):
            return control(11, len(value)) + b"".join(self.child(item) for item in value)
        raise TypeError(f"no MaxMind DB type for {value!r}")


# --- The search tree.


class Node:
    """A node of the search tree; each child is None (no data), a Node, or a Data record."""

    __slots__ = ("children",)

    def __init__(self, children=(None, None)):
        self.children = list(children)


class Data:
    """A data record (a Python dict) at the end of a path."""

    def __init__(self, record):
        self.record = record


def insert(root, address, prefix, bits, value):
    """Sets the record for `address`/`prefix` (an integer of `bits` bits) to `value`, splitting wider networks."""
    node = root
    for depth in range(prefix - 1):
        bit = address >> (bits - 1 - depth) & 1
        child = node.children[bit]
        if not isinstance(child, Node):
            child = Node((child, child))
            node.children[bit] = child
        node = child
    node.children[address >> (bits - prefix) & 1] = value


def follow(root, address, depth, bits):
    """The node reached after the first `depth` bits of `address`."""
    node = root
    for index in range(depth):
        node = node.children[address >> (bits - 1 - index) & 1]
        assert isinstance(node, Node)
    return node


def number_nodes(root):
    """The nodes in breadth-first order (root first), each once even when reached through several paths."""
    order, seen, queue = [], set(), [root]
    while queue:
        node = queue.pop(0)
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        queue.extend(child for child in node.children if isinstance(child, Node))
    return order


def collect_cached(value, into, inside_extras=False):
    """Adds the keys and longer strings of `value` to `into`, except inside "extras" maps, which stay inline."""
    if isinstance(value, dict):
        for key, item in value.items():
            extras = inside_extras or key == "extras"
            if not inside_extras:
                into.append(key)
            collect_cached(item, into, extras)
    elif isinstance(value, list):
        for item in value:
            collect_cached(item, into, inside_extras)
    elif isinstance(value, str) and len(value) > 2 and not inside_extras:
        into.append(value)


def write_database(path, networks, bits, record_size, link_ipv4=False):
    """Writes a MaxMind DB file of `networks` ([(network text, record)]) in a tree of `bits`-bit addresses."""
    cached = []
    for _, record in networks:
        collect_cached(record, cached)
    section = Section(cached)
    offsets = {}
    root = Node()
    for text, record in networks:
        network = ipaddress.ip_network(text)
        address, prefix = int(network.network_address), network.prefixlen
        if bits == 128 and network.version == 4:
            prefix += 96
        offsets[id(record)] = section.store(record)
        insert(root, address, prefix, bits, Data(record))
    # End the data section with an end marker.
    section.bytes += control(13, 0)
    if link_ipv4:
        ipv4_root = follow(root, 0, 96, 128)
        insert(root, int(ipaddress.ip_address("::ffff:0:0")), 96, 128, ipv4_root)
        insert(root, int(ipaddress.ip_address("2002::")), 16, 128, ipv4_root)

    nodes = number_nodes(root)
    numbers = {id(node): index for index, node in enumerate(nodes)}
    node_count = len(nodes)

    def record_value(child):
        if child is None:
            return node_count
        if isinstance(child, Node):
            return numbers[id(child)]
        return node_count + 16 + offsets[id(child.record)]

    tree = bytearray()
    for node in nodes:
        left, right = (record_value(child) for child in node.children)
        assert max(left, right) < 1 << record_size
        if record_size == 24:
            tree += left.to_bytes(3, "big") + right.to_bytes(3, "big")
        elif record_size == 28:
            tree += (left & 0xFFFFFF).to_bytes(3, "big")
            tree.append((left >> 24) << 4 | right >> 24)
            tree += (right & 0xFFFFFF).to_bytes(3, "big")
        else:
            tree += left.to_bytes(4, "big") + right.to_bytes(4, "big")

    # The metadata map must start the metadata, so nothing in it is shared.
    metadata = Section(share=False)
    metadata_map = {
        "binary_format_major_version": Uint16(2),
        "binary_format_minor_version": Uint16(0),
        "build_epoch": Uint64(1767225600),
        "database_type": "Steward-Test-Country",
        "description": {"en": f"Steward test database: IPv{6 if bits == 128 else 4}, {record_size}-bit records"},
        "ip_version": Uint16(6 if bits == 128 else 4),
        "languages": ["de", "en", "fr", "ja"],
        "node_count": Uint32(node_count),
        "record_size": Uint16(record_size),
    }
    metadata.bytes += metadata.inline(metadata_map)

    with open(path, "wb") as file:
        file.write(tree)
        file.write(bytes(16))
        file.write(section.bytes)
        file.write(b"\xab\xcd\xefMaxMind.com")
        file.write(metadata.bytes)
    return section.size_classes


# --- The data: GeoLite2-Country-shaped records for documentation and test networks.


def names(en, de, fr, ja):
    """A "names" map in the database's languages."""
    return {"de": de, "en": en, "fr": fr, "ja": ja}


def continent(code, geoname_id, *localized):
    """A "continent" map."""
    return {"code": code, "geoname_id": Uint32(geoname_id), "names": names(*localized)}


CONTINENTS = {
    "AF": continent("AF", 6255146, "Africa", "Afrika", "Afrique", "アフリカ"),
    "AN": continent("AN", 6255152, "Antarctica", "Antarktis", "Antarctique", "南極大陸"),
    "AS": continent("AS", 6255147, "Asia", "Asien", "Asie", "アジア"),
    "EU": continent("EU", 6255148, "Europe", "Europa", "Europe", "ヨーロッパ"),
    "NA": continent("NA", 6255149, "North America", "Nordamerika", "Amérique du Nord", "北アメリカ"),
    "OC": continent("OC", 6255151, "Oceania", "Ozeanien", "Océanie", "オセアニア"),
    "SA": continent("SA", 6255150, "South America", "Südamerika", "Amérique du Sud", "南アメリカ"),
}

COUNTRIES = {
    "AQ": ("AN", 6697173, False, names("Antarctica", "Antarktis", "Antarctique", "南極")),
    "AU": ("OC", 2077456, False, names("Australia", "Australien", "Australie", "オーストラリア")),
    "BR": ("SA", 3469034, False, names("Brazil", "Brasilien", "Brésil", "ブラジル")),
    "CA": ("NA", 6251999, False, names("Canada", "Kanada", "Canada", "カナダ")),
    "CN": ("AS", 1814991, False, names("China", "China", "Chine", "中国")),
    "DE": ("EU", 2921044, True, names("Germany", "Deutschland", "Allemagne", "ドイツ連邦共和国")),
    "FR": ("EU", 3017382, True, names("France", "Frankreich", "France", "フランス共和国")),
    "GB": ("EU", 2635167, False, names("United Kingdom", "Vereinigtes Königreich", "Royaume-Uni", "イギリス")),
    "JP": ("AS", 1861060, False, names("Japan", "Japan", "Japon", "日本")),
    "NL": ("EU", 2750405, True, names("Netherlands", "Niederlande", "Pays-Bas", "オランダ王国")),
    "NO": ("EU", 3144096, False, names("Norway", "Norwegen", "Norvège", "ノルウェー王国")),
    "NZ": ("OC", 2186224, False, names("New Zealand", "Neuseeland", "Nouvelle-Zélande", "ニュージーランド")),
    "SE": ("EU", 2661886, True, names("Sweden", "Schweden", "Suède", "スウェーデン王国")),
    "US": ("NA", 6252001, False, names("United States", "USA", "États-Unis", "アメリカ合衆国")),
    "ZA": ("AF", 953987, False, names("South Africa", "Südafrika", "Afrique du Sud", "南アフリカ")),
}


def country(code):
    """The "country" map of `code`."""
    _, geoname_id, in_eu, country_names = COUNTRIES[code]
    value = {"geoname_id": Uint32(geoname_id)}
    if in_eu:
        value["is_in_european_union"] = True
    value["iso_code"] = code
    value["names"] = country_names
    return value


def located(code, registered=None):
    """A record of a network in `code`, registered in `registered` (the same country by default)."""
    return {
        "continent": CONTINENTS[COUNTRIES[code][0]],
        "country": country(code),
        "registered_country": country(registered or code),
    }


def with_extras(record, tag):
    """`record` after an "extras" map holding every other data type, which a reader must skip."""
    extras = {
        "double": 3.25,
        "float": Float32(0.5),
        "bytes": b"\x00\xff\x10",
        "uint16": Uint16(65535),
        "uint32 zero": Uint32(0),
        "uint64": Uint64((1 << 64) - 1),
        "uint128": Uint128((1 << 127) + 3),
        "int32": Int32(-7),
        "flag": False,
        "set": True,
        "empty map": {},
        "empty array": [],
        "nested": [{"country": {"iso_code": "XX"}}, [Uint32(1), "two", [Float32(3.0)]]],
        "iso_code": "XX",
        "medium string": "m" * 40,
        "long string": tag + "l" * 300,
    }
    return {"extras": extras, **record}


ANYCAST = {"traits": {"is_anycast": True}}

IPV4_NETWORKS = [
    ("0.0.0.0/32", located("AQ")),
    ("1.0.0.0/24", located("AU")),
    # Broad first, so that the records below split it.
    ("10.0.0.0/8", ANYCAST),
    ("10.1.0.0/16", located("NO")),
    ("67.43.156.0/24", {
        # "country" comes last and wins; "represented_country" is never used.
        "represented_country": {"iso_code": "FR", "type": "military"},
        "registered_country": country("US"),
        "country": country("DE"),
    }),
    ("81.2.69.0/24", located("GB")),
    ("89.160.20.0/24", located("SE")),
    # A country map without an iso_code: the registered country is used.
    ("100.64.0.0/10", {"continent": CONTINENTS["EU"], "country": {"geoname_id": Uint32(0)},
                       "registered_country": country("DE")}),
    ("175.16.199.0/24", located("CN", registered="JP")),
    # Registered but not located (e.g. a satellite provider): the registered country is used.
    ("192.0.2.0/24", {"continent": CONTINENTS["EU"], "registered_country": country("NL")}),
    ("198.51.100.0/25", located("US")),
    ("203.0.113.0/24", located("JP")),
    ("216.160.83.56/29", with_extras(located("US"), "v4")),
    ("255.255.255.255/32", located("BR")),
]

IPV6_NETWORKS = [
    ("2001:db8:1::/48", located("FR")),
    ("2001:db8:2::/48", {"continent": CONTINENTS["NA"], "registered_country": country("CA")}),
    ("2001:db8:3::/48", with_extras(located("DE"), "v6")),
    ("2a02:cf40::/29", located("NO")),
    ("2c0f:f248::/32", located("ZA")),
    ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", located("NZ")),
]


def main():
    folder = os.path.dirname(os.path.abspath(__file__))
    outputs = [
        ("test-ipv6-24.mmdb", IPV4_NETWORKS + IPV6_NETWORKS, 128, 24, True),
        ("test-ipv6-28.mmdb", IPV4_NETWORKS + IPV6_NETWORKS, 128, 28, False),
        ("test-ipv6-32.mmdb", IPV4_NETWORKS + IPV6_NETWORKS, 128, 32, False),
        ("test-ipv4-28.mmdb", IPV4_NETWORKS, 32, 28, False),
    ]
    for name, networks, bits, record_size, link_ipv4 in outputs:
        path = os.path.join(folder, name)
        size_classes = write_database(path, networks, bits, record_size, link_ipv4)
        # The pointers exercise the 11-bit, 19-bit and 32-bit forms; the 27-bit one needs a data section over 512 KiB.
        assert {0, 1, 3} <= size_classes, (name, size_classes)
        print(f"{name}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
