import Foundation

/// Draws the dashboard's chart over time as an inline SVG: no script, no chart library.
///
/// The SVG fills its container's width and is `height` pixels tall. The area and the lines are drawn in a nested
/// SVG whose `viewBox` is stretched horizontally (`preserveAspectRatio="none"`, strokes that do not scale), while
/// the text, the dots and the grid lines sit in the outer SVG, placed with percentages across and pixels down: the
/// text keeps its size and the dots stay round at any width. Nothing is styled inline (the site's CSP allows no
/// `style` attribute): colours, strokes and fonts come from the `chart__…` classes in admin.css.
struct SVGChart {
    /// One bucket of the chart: its axis label ("5 Dec", "14:00") and its value.
    struct Point: Equatable, Sendable {
        let label: String
        let value: Double
    }

    /// The most x-axis labels shown; on narrow screens the CSS hides every other one (`chart__axis--minor`).
    static let maximumLabels = 8
    /// Above this many points the dots are hidden until hovered (`chart--dense`).
    static let denseThreshold = 45
    /// Values are clamped to `0...largestValue` so that the scale stays finite.
    static let largestValue = 1e300
    /// Room above the plot for the top tick's label, in pixels.
    static let topPadding = 22.0
    /// Room below the plot for the x-axis labels, in pixels.
    static let bottomPadding = 30.0
    /// The room one x-axis label needs at the nominal width, in pixels.
    static let labelWidth = 110.0
    /// The dots' radius, in pixels.
    static let dotRadius = 3.0

    /// Renders the chart.
    ///
    /// `current` and `previous` (the comparison period, drawn dashed; may be empty) have one point per bucket;
    /// `title` goes in `<title>` for screen readers; `valueFormat` formats axis ticks (e.g. "1.2k") and
    /// `pointFormat` the values in the tooltips (e.g. "1,234"). `width` is the drawing's nominal width, which sets
    /// how many x-axis labels fit; `id` prefixes the ids of the title and description, unique on the page.
    static func render(
        current: [Point], previous: [Double], title: String, width: Int = 960, height: Int = 240,
        id: String = "chart", valueFormat: (Double) -> String = SVGChart.compact,
        pointFormat: (Double) -> String = SVGChart.grouped
    ) -> String {
        let width = Double(max(width, 120))
        let height = Double(max(height, 120))
        let plotHeight = height - topPadding - bottomPadding
        let values = current.map { clamp($0.value) }
        let before = previous.prefix(current.count).map(clamp)
        let ticks = ticks(upTo: (values + before).max() ?? 0, integral: (values + before).allSatisfy(isWhole))
        let top = ticks.last ?? 1
        let count = current.count

        /// The x of a bucket in the plot's own units (0…width).
        func x(_ index: Int) -> Double {
            count == 1 ? width / 2 : Double(index) * width / Double(count - 1)
        }
        /// The y of a value in the plot's own units (0 at the top tick, plotHeight at zero).
        func y(_ value: Double) -> Double { plotHeight - value / top * plotHeight }
        /// A plot x as a percentage of the width, for the outer SVG.
        func percent(_ plotX: Double) -> String { number(plotX / width * 100, digits: 3) + "%" }

        let titleID = escape(id + "-title")
        let descID = escape(id + "-desc")
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\(count > denseThreshold ? " chart--dense" : "")\""
        svg += " width=\"100%\" height=\"\(Int(height))\" role=\"img\""
        svg += " aria-labelledby=\"\(titleID)\" aria-describedby=\"\(descID)\">"
        svg += "<title id=\"\(titleID)\">\(escape(title))</title>"
        svg += "<desc id=\"\(descID)\">\(escape(description(current, values: values, format: pointFormat)))</desc>"

        // Grid lines, one per y-axis tick.
        svg += "<g class=\"chart__grid\">"
        for tick in ticks {
            let lineY = number((topPadding + y(tick)).rounded() + 0.5)
            let base = tick == 0 ? " chart__grid-line--base" : ""
            svg += "<line class=\"chart__grid-line\(base)\" x1=\"0\" x2=\"100%\" y1=\"\(lineY)\" y2=\"\(lineY)\"/>"
        }
        svg += "</g>"
        // The ticks' labels, just above their line at the left edge, drawn over the lines (with a halo in CSS).
        var yAxis = "<g class=\"chart__axis chart__axis--y\">"
        for tick in ticks {
            yAxis += "<text x=\"0\" y=\"\(number(topPadding + y(tick) - 6))\">\(escape(valueFormat(tick)))</text>"
        }
        yAxis += "</g>"

        guard count > 0 else {
            svg += yAxis + "<text class=\"chart__empty\" x=\"50%\" y=\"\(number(topPadding + plotHeight / 2))\""
            svg += " text-anchor=\"middle\">No data for this period</text></svg>"
            return svg
        }

        // The area and lines, stretched to the width; strokes keep their width and dashes their length.
        svg += "<svg class=\"chart__plot\" x=\"0\" y=\"\(number(topPadding))\" width=\"100%\""
        svg += " height=\"\(number(plotHeight))\" viewBox=\"0 0 \(number(width)) \(number(plotHeight))\""
        svg += " preserveAspectRatio=\"none\" overflow=\"visible\">"
        if count > 1 {
            let line = values.indices.map { "\($0 == 0 ? "M" : "L")\(number(x($0))) \(number(y(values[$0])))" }
                .joined(separator: " ")
            let area = "M0 \(number(plotHeight)) L\(line.dropFirst()) L\(number(width)) \(number(plotHeight)) Z"
            svg += "<path class=\"chart__area\" d=\"\(area)\"/>"
            if before.count > 1 {
                let dashed = before.indices.map { "\($0 == 0 ? "M" : "L")\(number(x($0))) \(number(y(before[$0])))" }
                    .joined(separator: " ")
                svg += "<path class=\"chart__previous\" d=\"\(dashed)\" vector-effect=\"non-scaling-stroke\"/>"
            }
            svg += "<path class=\"chart__line\" d=\"\(line)\" vector-effect=\"non-scaling-stroke\"/>"
        }
        svg += "</svg>" + yAxis

        // One group per point: a column-wide hover target, the dot and the native tooltip.
        svg += "<g class=\"chart__points\">"
        for index in 0..<count {
            let left = index == 0 ? 0 : (x(index - 1) + x(index)) / 2
            let right = index == count - 1 ? width : (x(index) + x(index + 1)) / 2
            var tooltip = "\(current[index].label): \(pointFormat(values[index]))"
            if index < before.count { tooltip += "\nPrevious period: \(pointFormat(before[index]))" }
            svg += "<g class=\"chart__point\"><title>\(escape(tooltip))</title>"
            svg += "<rect class=\"chart__hit\" x=\"\(percent(left))\" y=\"\(number(topPadding))\""
            svg += " width=\"\(percent(right - left))\" height=\"\(number(plotHeight))\"/>"
            svg += "<circle class=\"chart__dot\" cx=\"\(percent(x(index)))\""
            svg += " cy=\"\(number(topPadding + y(values[index])))\" r=\"\(number(dotRadius))\"/></g>"
        }
        svg += "</g>"

        // The x-axis labels, thinned; the first and last hug the edges so that they are not cut off.
        svg += "<g class=\"chart__axis chart__axis--x\">"
        let shown = labelIndices(count: count, maximum: min(maximumLabels, max(2, Int(width / labelWidth))))
        for (position, index) in shown.enumerated() {
            let anchor =
                count == 1 ? "middle" : index == 0 ? "start" : index == count - 1 ? "end" : "middle"
            let minor = position % 2 == 1 ? " class=\"chart__axis--minor\"" : ""
            svg += "<text\(minor) x=\"\(percent(x(index)))\" y=\"\(number(height - 9))\" text-anchor=\"\(anchor)\">"
            svg += "\(escape(current[index].label))</text>"
        }
        svg += "</g></svg>"
        return svg
    }

    /// The y-axis ticks from zero: 3 to 5 evenly spaced "nice" values (steps of 1, 2, 2.5 or 5 times a power of
    /// ten) whose last one is at least `maximum`. Whole-number data gets whole-number steps.
    static func ticks(upTo maximum: Double, integral: Bool = true) -> [Double] {
        let maximum = clamp(maximum)
        guard maximum > 0 else { return [0, 1, 2, 3, 4] }
        let rough = maximum / 4
        let magnitude = pow(10, log10(rough).rounded(.down))
        let candidates = [1, 2, 2.5, 5, 10].map { $0 * magnitude }.filter { !integral || ($0 >= 1 && isWhole($0)) }
        let step = candidates.first { $0 >= rough * (1 - 1e-9) } ?? max(1, 10 * magnitude)
        let intervals = max(2, Int((maximum / step * (1 - 1e-9)).rounded(.up)))
        return (0...intervals).map { Double($0) * step }
    }

    /// Which of `count` buckets get an x-axis label: every n-th from the first, at most `maximum` of them.
    static func labelIndices(count: Int, maximum: Int = maximumLabels) -> [Int] {
        guard count > 0 else { return [] }
        guard count > 1, maximum > 1 else { return [0] }
        let step = (count + maximum - 1) / maximum
        return Array(stride(from: 0, to: count, by: step))
    }

    /// A short axis figure: "950", "2.5", "1.2k", "15k", "3M", "1.25B".
    static func compact(_ value: Double) -> String {
        let sign = value < 0 ? "-" : ""
        var magnitude = abs(value)
        guard magnitude.isFinite else { return "–" }
        for suffix in ["", "k", "M", "B", "T"] {
            let digits = suffix.isEmpty ? 2 : (magnitude < 10 ? 2 : 1)
            let rounded = (magnitude * pow(10, Double(digits))).rounded() / pow(10, Double(digits))
            if rounded < 1000 { return sign + trimmed(rounded, digits: digits) + suffix }
            magnitude /= 1000
        }
        return sign + String(format: "%.2g", abs(value)).replacingOccurrences(of: "e+", with: "e")
    }

    /// A full figure with thousands separators, as in the tooltips: "1,234", "0.42", "1,234.5".
    static func grouped(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        guard abs(value) < 1e15 else { return compact(value) }
        let rounded = (abs(value) * 100).rounded() / 100
        let sign = value < 0 && rounded > 0 ? "-" : ""
        let whole = rounded.rounded(.down)
        var digits = String(Int64(whole))
        var groups: [Substring] = []
        while digits.count > 3 {
            groups.insert(Substring(digits.suffix(3)), at: 0)
            digits.removeLast(3)
        }
        groups.insert(Substring(digits), at: 0)
        let fraction = trimmed(rounded - whole, digits: 2)
        return sign + groups.joined(separator: ",") + (fraction == "0" ? "" : String(fraction.dropFirst()))
    }

    /// Escapes text for XML content and attribute values, and drops the control characters XML 1.0 forbids.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value): continue
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// What a screen reader hears after the title: the span, the highest and the lowest value.
    private static func description(_ points: [Point], values: [Double], format: (Double) -> String) -> String {
        guard let first = points.first, let last = points.last,
            let high = values.indices.max(by: { values[$0] < values[$1] }),
            let low = values.indices.min(by: { values[$0] < values[$1] })
        else { return "No data for this period." }
        if points.count == 1 { return "\(first.label): \(format(values[0]))." }
        return "From \(first.label) to \(last.label). Highest: \(format(values[high])) (\(points[high].label)). "
            + "Lowest: \(format(values[low])) (\(points[low].label))."
    }

    /// A value the chart can draw: finite, not negative, not beyond ``largestValue``.
    private static func clamp(_ value: Double) -> Double {
        value.isNaN ? 0 : min(max(value, 0), largestValue)
    }

    /// Whether a value has no fractional part.
    private static func isWhole(_ value: Double) -> Bool { value.rounded() == value }

    /// A coordinate with at most `digits` decimals and no trailing zeros, in the POSIX notation SVG reads.
    private static func number(_ value: Double, digits: Int = 2) -> String { trimmed(value, digits: digits) }

    /// A value with at most `digits` decimals, without trailing zeros: "2.5", "1200", "0".
    private static func trimmed(_ value: Double, digits: Int) -> String {
        var text = String(format: "%.\(digits)f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }
}
