/// The view model of the staff console's analytics dashboard (`/admin/analytics`).
struct AnalyticsDashboardPage {
    /// One headline figure with its change against the previous period.
    struct Metric {
        /// "Unique visitors", "Bounce rate", …
        let label: String
        /// Formatted: "12,345", "41%", "2m 05s".
        let value: String
        /// "+12%", "−3%", or nil when there is nothing to compare with.
        let change: String?
        /// "up", "down" or "flat": whether the change is good news is left to the reader (a rising bounce rate is
        /// not), so the class only says the direction.
        let changeDirection: String
        /// The previous period's value, formatted, for a tooltip.
        let previous: String?
    }

    /// A preset range link: today, 7 days, 30 days, this month.
    struct RangeOption {
        let label: String
        let href: String
        let isActive: Bool
    }

    /// One row of a breakdown table.
    struct Row {
        /// The shown value ("/pricing", "Google", "Firefox 128", "Direct / none").
        let label: String
        /// Links to the dashboard filtered by this value (pages and sources only), else nil.
        let filterHref: String?
        /// Formatted main figure (visitors for most tables, events for outbound links and custom events).
        let primary: String
        /// Formatted second figure (pageviews, visits, time on page, …), or "".
        let secondary: String
        /// Share of the table's largest row, 0…100, for the bar behind the row.
        let share: Int
    }

    /// A breakdown table (top pages, sources, browsers, …).
    struct Table {
        /// A stable id ("pages", "entry", …), used as the HTML id and in the CSV export.
        let id: String
        let title: String
        /// Column headings: the value, the main figure, the second figure ("" hides the column).
        let valueHeading: String
        let primaryHeading: String
        let secondaryHeading: String
        let rows: [Row]
        /// Shown when `rows` is empty.
        let emptyText: String
        /// Set when the table cannot be shown with the current filter (the reason), in which case `rows` is empty.
        let unavailable: String?
    }

    /// The filter in force (by page or by source), with a link that removes it.
    struct ActiveFilter {
        /// "Page" or "Source".
        let kind: String
        let value: String
        let clearHref: String
    }

    /// "Last 30 days", "Today", "This month", "Custom range" (not `title`: the layout's page title has that key).
    let periodTitle: String
    /// The range shown, e.g. "6 Nov 2026 – 5 Dec 2026 (UTC)".
    let rangeText: String
    /// The period compared with, e.g. "7 Oct 2026 – 5 Nov 2026".
    let comparisonText: String
    let ranges: [RangeOption]
    /// The custom range form's current values (yyyy-mm-dd).
    let customFrom: String
    let customTo: String
    /// The current filter as hidden form fields, so the custom range form keeps it: "page:/x", "source:Google" or "".
    let filterParameter: String
    let filter: ActiveFilter?
    /// A problem with the query (bad custom dates), shown above the figures.
    let error: String?
    let metrics: [Metric]
    /// The chart over time, an SVG document fragment rendered by ``SVGChart`` (already escaped).
    let chartSVG: String
    /// What the chart shows, for screen readers and the caption: "Unique visitors per day".
    let chartCaption: String
    /// Visitors seen in the last 5 minutes.
    let realtimeVisitors: Int
    /// Breakdown tables in display order (shown two per row on wide screens).
    let tables: [Table]
    /// The CSV export of everything on the page.
    let exportHref: String
    /// True when there are no events at all yet: the page explains how to add the script.
    let isEmpty: Bool
    /// The `<script>` tag to paste into a site, shown in the empty state and at the foot of the page.
    let snippet: String
}
