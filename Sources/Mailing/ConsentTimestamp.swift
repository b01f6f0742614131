import Foundation

/// Reads the ISO 8601 forms an import accepts for when consent was given, without Foundation's date formatters
/// (which cost microseconds per value; an import reads hundreds of thousands).
///
/// Accepted: a date `2024-05-01` (taken as midnight UTC), or a date and time `2024-05-01T14:30`, with optional
/// seconds and fraction, and a zone `Z` or an offset `+02:00`, `+0200`, `+02`. A space may stand for the `T`.
enum ConsentTimestamp: Equatable {
    /// A valid moment; `dateOnly` when no time was given.
    case moment(Date, dateOnly: Bool)
    /// A valid date and time without a zone, so the moment is unknown.
    case missingTimeZone
    /// Not one of the accepted forms, or an impossible date or time.
    case invalid

    /// Parses `text` (already trimmed).
    static func parse(_ text: String) -> ConsentTimestamp {
        var utf8 = text
        return utf8.withUTF8 { parse(bytes: $0) }
    }

    /// Parses UTF-8 bytes.
    private static func parse(bytes: UnsafeBufferPointer<UInt8>) -> ConsentTimestamp {
        var reader = DigitReader(bytes: bytes)
        guard let year = reader.number(digits: 4), reader.skip("-"), let month = reader.number(digits: 2),
            reader.skip("-"), let day = reader.number(digits: 2), (1...12).contains(month),
            (1...daysIn(month: month, year: year)).contains(day)
        else { return .invalid }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        if reader.atEnd {
            return .moment(Date(timeIntervalSince1970: Double(days) * 86_400), dateOnly: true)
        }
        guard reader.skip("T") || reader.skip("t") || reader.skip(" "), let hour = reader.number(digits: 2),
            reader.skip(":"), let minute = reader.number(digits: 2), hour < 24, minute < 60
        else { return .invalid }
        var second = 0
        var fraction = 0.0
        if reader.skip(":") {
            guard let value = reader.number(digits: 2), value < 60 else { return .invalid }
            second = value
            if reader.skip(".") || reader.skip(",") {
                guard let value = reader.fraction() else { return .invalid }
                fraction = value
            }
        }
        var offset = 0
        if reader.atEnd {
            return .missingTimeZone
        } else if reader.skip("Z") || reader.skip("z") {
            offset = 0
        } else if let sign = reader.sign() {
            guard let hours = reader.number(digits: 2), hours <= 18 else { return .invalid }
            var minutes = 0
            if !reader.atEnd {
                _ = reader.skip(":")
                guard let value = reader.number(digits: 2), value < 60 else { return .invalid }
                minutes = value
            }
            offset = sign * (hours * 3_600 + minutes * 60)
        } else {
            return .invalid
        }
        guard reader.atEnd else { return .invalid }
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset
        return .moment(Date(timeIntervalSince1970: Double(seconds) + fraction), dateOnly: false)
    }

    /// Days in a month of the proleptic Gregorian calendar.
    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to a civil date (Howard Hinnant's `days_from_civil`).
    private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let year = month <= 2 ? year - 1 : year
        let era = (year >= 0 ? year : year - 399) / 400
        let yearOfEra = year - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

/// Reads fixed-width numbers and separators from UTF-8 bytes.
private struct DigitReader {
    /// The text.
    let bytes: UnsafeBufferPointer<UInt8>
    /// The next byte to read.
    var index = 0

    /// Whether everything was read.
    var atEnd: Bool { index == bytes.count }

    /// Reads exactly `digits` ASCII digits as a number.
    mutating func number(digits: Int) -> Int? {
        guard index + digits <= bytes.count else { return nil }
        var value = 0
        for offset in 0..<digits {
            let byte = bytes[index + offset]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        index += digits
        return value
    }

    /// Reads one or more digits after a decimal separator as a fraction of a second.
    mutating func fraction() -> Double? {
        var value = 0.0
        var scale = 1.0
        let start = index
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            scale /= 10
            value += Double(bytes[index] - UInt8(ascii: "0")) * scale
            index += 1
        }
        return index > start ? value : nil
    }

    /// Reads `+` (1) or `-` (-1), if there.
    mutating func sign() -> Int? {
        if skip("+") { return 1 }
        if skip("-") { return -1 }
        return nil
    }

    /// Skips `character` if it is next.
    mutating func skip(_ character: Unicode.Scalar) -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }
}
