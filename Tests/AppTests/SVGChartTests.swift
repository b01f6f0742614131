import Foundation
import Testing

@testable import App

#if canImport(FoundationXML)
    import FoundationXML
#endif

@Suite struct SVGChartTests {
    /// Days "1 Dec", "2 Dec", … with the given values.
    private func days(_ values: [Double]) -> [SVGChart.Point] {
        values.enumerated().map { SVGChart.Point(label: "\($0.offset + 1) Dec", value: $0.element) }
    }

    @Test func textIsEscapedAndTheResultIsWellFormedXML() throws {
        // Given a title and labels with markup, quotes and a control character
        let svg = SVGChart.render(
            current: [
                .init(label: "<b>A&B</b>", value: 3), .init(label: "\"quoted\" 'label'", value: 5),
                .init(label: "bell\u{7}", value: 1),
            ],
            previous: [1, 2, 3], title: "Visitors <script>alert(1)</script> & more")
        // Then nothing of it survives as markup
        #expect(!svg.contains("<script>"))
        #expect(!svg.contains("<b>"))
        #expect(svg.contains("Visitors &lt;script&gt;alert(1)&lt;/script&gt; &amp; more"))
        #expect(svg.contains("&lt;b&gt;A&amp;B&lt;/b&gt;"))
        #expect(svg.contains("&quot;quoted&quot; &#39;label&#39;"))
        #expect(!svg.contains("\u{7}"))
        // And the document parses, with the titles' text back as written
        let document = try SVGDocument(svg)
        #expect(document.root == "svg")
        #expect(document.texts.contains("Visitors <script>alert(1)</script> & more"))
        #expect(document.texts.contains("<b>A&B</b>: 3\nPrevious period: 1"))
    }

    @Test func theSVGIsAccessibleAndUsesNoInlineStyle() throws {
        let svg = SVGChart.render(current: days([4, 8, 15]), previous: [], title: "Unique visitors per day")
        let document = try SVGDocument(svg)
        let root = try #require(document.elements.first)
        #expect(root.attributes["role"] == "img")
        #expect(root.attributes["aria-labelledby"] == "chart-title")
        #expect(root.attributes["aria-describedby"] == "chart-desc")
        #expect(document.elements.contains { $0.name == "title" && $0.attributes["id"] == "chart-title" })
        #expect(document.elements.contains { $0.name == "desc" && $0.attributes["id"] == "chart-desc" })
        #expect(document.texts.contains("From 1 Dec to 3 Dec. Highest: 15 (3 Dec). Lowest: 4 (1 Dec)."))
        // The site's CSP forbids style attributes, and colours come only from classes
        for element in document.elements {
            #expect(element.attributes["style"] == nil)
            #expect(element.attributes["fill"] == nil && element.attributes["stroke"] == nil)
        }
        for name in ["chart__area", "chart__line", "chart__grid", "chart__axis", "chart__dot"] {
            #expect(document.elements.contains { $0.classes.contains(name) }, "missing \(name)")
        }
        // Without a previous period there is no dashed line
        #expect(!document.elements.contains { $0.classes.contains("chart__previous") })
    }

    @Test func eachPointHasADotAndATooltip() throws {
        // Given a current and a previous period
        let points: [SVGChart.Point] = [.init(label: "4 Dec", value: 1000), .init(label: "5 Dec", value: 1234)]
        let svg = SVGChart.render(current: points, previous: [900, 1100.5], title: "Visitors")
        let document = try SVGDocument(svg)
        // Then every point has its circle and a tooltip with both figures
        #expect(document.elements.filter { $0.name == "circle" && $0.classes.contains("chart__dot") }.count == 2)
        #expect(document.texts.contains("5 Dec: 1,234\nPrevious period: 1,100.5"))
        #expect(document.texts.contains("4 Dec: 1,000\nPrevious period: 900"))
        // And the previous period is drawn dashed
        let previous = try #require(document.elements.first { $0.classes.contains("chart__previous") })
        #expect(previous.attributes["vector-effect"] == "non-scaling-stroke")
    }

    @Test func pointsArePlacedOnTheScale() throws {
        // Given 0, 50 and 100: ticks 0, 25, 50, 75, 100 and a plot from y 22 to 210 (240 − 30)
        let svg = SVGChart.render(current: days([0, 50, 100]), previous: [], title: "Visitors")
        let circles = try SVGDocument(svg).elements.filter { $0.name == "circle" }
        #expect(circles.map { $0.attributes["cx"] } == ["0%", "50%", "100%"])
        #expect(circles.map { $0.attributes["cy"] } == ["210", "116", "22"])
        // And the tick labels read 0 … 100
        let ticks = try SVGDocument(svg).texts(inGroupWithClass: "chart__axis--y")
        #expect(ticks == ["0", "25", "50", "75", "100"])
    }

    @Test func ticksAreNiceAndCoverTheMaximum() {
        #expect(SVGChart.ticks(upTo: 0) == [0, 1, 2, 3, 4])
        #expect(SVGChart.ticks(upTo: 1) == [0, 1, 2])
        #expect(SVGChart.ticks(upTo: 3) == [0, 1, 2, 3])
        #expect(SVGChart.ticks(upTo: 56) == [0, 20, 40, 60])
        #expect(SVGChart.ticks(upTo: 100) == [0, 25, 50, 75, 100])
        #expect(SVGChart.ticks(upTo: 1234) == [0, 500, 1000, 1500])
        #expect(SVGChart.ticks(upTo: 9_500) == [0, 2500, 5000, 7500, 10_000])
        // Fractional data may get fractional steps, whole-number data never does
        let fractional = SVGChart.ticks(upTo: 0.42, integral: false)
        #expect(fractional.count == 4 && abs(fractional[3] - 0.6) < 1e-12)
        #expect(SVGChart.ticks(upTo: 10).allSatisfy { $0 == $0.rounded() })
        // And for any maximum: 3 to 5 evenly spaced ticks from 0, the last one at or above the maximum
        var maximum = 0.7
        while maximum < 1e15 {
            for integral in [true, false] {
                let ticks = SVGChart.ticks(upTo: maximum, integral: integral)
                #expect((3...5).contains(ticks.count), "\(maximum): \(ticks)")
                #expect(ticks.first == 0 && ticks.last! >= maximum, "\(maximum): \(ticks)")
                #expect(ticks.last! < maximum * 2.5 + 2, "\(maximum): \(ticks)")
                let step = ticks[1]
                for (index, tick) in ticks.enumerated() {
                    #expect(abs(tick - Double(index) * step) <= step * 1e-9)
                }
                if integral { #expect(ticks.allSatisfy { $0 == $0.rounded() }, "\(maximum): \(ticks)") }
            }
            maximum *= 1.37
        }
    }

    @Test func axisFiguresAreShortAndTooltipsAreGrouped() {
        #expect(SVGChart.compact(0) == "0")
        #expect(SVGChart.compact(950) == "950")
        #expect(SVGChart.compact(2.5) == "2.5")
        #expect(SVGChart.compact(1000) == "1k")
        #expect(SVGChart.compact(1200) == "1.2k")
        #expect(SVGChart.compact(7500) == "7.5k")
        #expect(SVGChart.compact(15_000) == "15k")
        #expect(SVGChart.compact(999_999) == "1M")
        #expect(SVGChart.compact(2_500_000) == "2.5M")
        #expect(SVGChart.compact(3e9) == "3B")
        #expect(SVGChart.compact(1e300) == "1e300")
        #expect(SVGChart.grouped(12) == "12")
        #expect(SVGChart.grouped(1234) == "1,234")
        #expect(SVGChart.grouped(1_234_567) == "1,234,567")
        #expect(SVGChart.grouped(1234.5) == "1,234.5")
        #expect(SVGChart.grouped(0.42) == "0.42")
        #expect(SVGChart.grouped(999_999_999_999) == "999,999,999,999")
        #expect(SVGChart.grouped(-1234) == "-1,234")
        #expect(SVGChart.grouped(-0.001) == "0")
    }

    @Test func xAxisLabelsAreThinnedToAtMostEight() throws {
        #expect(SVGChart.labelIndices(count: 0) == [])
        #expect(SVGChart.labelIndices(count: 1) == [0])
        #expect(SVGChart.labelIndices(count: 7) == Array(0..<7))
        #expect(SVGChart.labelIndices(count: 24) == [0, 3, 6, 9, 12, 15, 18, 21])
        #expect(SVGChart.labelIndices(count: 30) == [0, 4, 8, 12, 16, 20, 24, 28])
        #expect(SVGChart.labelIndices(count: 9) == [0, 2, 4, 6, 8])
        for count in 1...800 {
            let indices = SVGChart.labelIndices(count: count)
            #expect(indices.count <= 8 && indices.first == 0 && indices.last! < count)
            // Evenly spaced, and spread over most of the range
            let gaps = Set(zip(indices, indices.dropFirst()).map { $1 - $0 })
            #expect(gaps.count <= 1)
            #expect(count < 8 || indices.count >= 5, "\(count): \(indices)")
        }
        // In the drawing: 8 labels at most for two years of days, every other one marked minor for phones
        let svg = SVGChart.render(
            current: (0..<731).map { .init(label: "d\($0)", value: Double($0 % 17)) }, previous: [], title: "Long")
        let document = try SVGDocument(svg)
        let labels = document.texts(inGroupWithClass: "chart__axis--x")
        #expect(labels.count == 8)
        #expect(labels.first == "d0")
        let minor = document.elements.filter { $0.name == "text" && $0.classes.contains("chart__axis--minor") }
        #expect(minor.count == labels.count / 2)
        #expect(document.elements.first?.classes.contains("chart--dense") == true)
        // A narrow drawing gets fewer labels
        let narrow = SVGChart.render(current: days(Array(repeating: 1, count: 30)), previous: [], title: "", width: 360)
        #expect(try SVGDocument(narrow).texts(inGroupWithClass: "chart__axis--x").count == 3)
    }

    @Test func noPointsDrawsAnEmptyChart() throws {
        let svg = SVGChart.render(current: [], previous: [1, 2], title: "Unique visitors per day")
        let document = try SVGDocument(svg)
        #expect(document.texts.contains("No data for this period"))
        #expect(document.texts.contains("No data for this period."))
        #expect(!document.elements.contains { $0.name == "circle" || $0.name == "path" })
        #expect(document.texts(inGroupWithClass: "chart__axis--y") == ["0", "1", "2", "3", "4"])
    }

    @Test func onePointIsADotInTheMiddle() throws {
        let svg = SVGChart.render(current: [.init(label: "14:00", value: 7)], previous: [3], title: "Today")
        let document = try SVGDocument(svg)
        let circles = document.elements.filter { $0.name == "circle" }
        #expect(circles.count == 1 && circles[0].attributes["cx"] == "50%")
        #expect(!document.elements.contains { $0.name == "path" })
        let label = try #require(document.elements.first { $0.name == "text" && $0.text == "14:00" })
        #expect(label.attributes["text-anchor"] == "middle")
        #expect(document.texts.contains("14:00: 7\nPrevious period: 3"))
    }

    @Test func zerosAndExtremeValuesStayFinite() throws {
        let zeros = SVGChart.render(current: days([0, 0, 0]), previous: [0, 0, 0], title: "Quiet")
        #expect(try SVGDocument(zeros).texts(inGroupWithClass: "chart__axis--y") == ["0", "1", "2", "3", "4"])
        let extremes = [
            [1e12, 3e12], [Double.greatestFiniteMagnitude, 1], [Double.infinity, 2], [Double.nan, 5], [-40, 10],
        ]
        for values in extremes {
            let svg = SVGChart.render(current: days(values), previous: values.reversed(), title: "Extreme")
            _ = try SVGDocument(svg)
            for bad in ["nan", "inf", "NaN", "e+"] { #expect(!svg.contains(bad), "\(values): \(bad)") }
            let cys = try SVGDocument(svg).elements.filter { $0.name == "circle" }.compactMap {
                Double($0.attributes["cy"] ?? "")
            }
            #expect(cys.count == 2 && cys.allSatisfy { (22...210).contains($0) }, "\(values): \(cys)")
        }
        let huge = SVGChart.render(current: days([1e12, 3e12]), previous: [], title: "Huge")
        #expect(try SVGDocument(huge).texts(inGroupWithClass: "chart__axis--y") == ["0", "1T", "2T", "3T"])
        #expect(huge.contains("2 Dec: 3,000,000,000,000"))
    }
}

/// A parsed SVG: its elements in document order, with their attributes and direct text.
private struct SVGDocument {
    struct Element {
        let name: String
        let attributes: [String: String]
        var text: String
        /// The classes of the enclosing elements, innermost last.
        let ancestorClasses: [String]
        var classes: [String] { (attributes["class"] ?? "").split(separator: " ").map(String.init) }
    }

    struct ParseError: Error, CustomStringConvertible {
        let description: String
    }

    let elements: [Element]

    init(_ xml: String) throws {
        let collector = Collector()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = collector
        guard parser.parse(), collector.open.isEmpty else {
            throw ParseError(description: "not well-formed: \(parser.parserError.map(String.init(describing:)) ?? "")")
        }
        elements = collector.elements
    }

    var root: String? { elements.first?.name }
    /// The text of every element.
    var texts: [String] { elements.map(\.text).filter { !$0.isEmpty } }

    /// The texts inside the group with the class.
    func texts(inGroupWithClass name: String) -> [String] {
        elements.filter { $0.name == "text" && $0.ancestorClasses.contains(name) }.map(\.text)
    }

    /// Collects the elements as the parser reports them.
    private final class Collector: NSObject, XMLParserDelegate {
        var elements: [Element] = []
        var open: [Int] = []

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            let ancestors = open.flatMap { elements[$0].classes }
            elements.append(Element(name: elementName, attributes: attributes, text: "", ancestorClasses: ancestors))
            open.append(elements.count - 1)
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if let current = open.last { elements[current].text += string }
        }

        func parser(
            _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?
        ) {
            open.removeLast()
        }
    }
}
