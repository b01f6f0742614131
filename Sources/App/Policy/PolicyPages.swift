/// View models of the policy pages.
struct PrivacyPage {
    struct TOCItem {
        let id: String
        let heading: String
    }
    struct Section {
        let id: String
        let heading: String
        let paragraphs: [String]
        let items: [String]
    }
    struct Document {
        let title: String
        let version: Int
        let date: String
        let sections: [Section]
    }
    let document: Document
    let toc: [TOCItem]
}

struct VersionsPage {
    struct Change {
        let kind: String
        let section: String
        let summary: String
    }
    struct Version {
        let version: Int
        let date: String
        let publishedAt: String
        let isCurrent: Bool
        let isFirst: Bool
        let changes: [Change]
    }
    let versions: [Version]
}

struct CookiesPage {
    struct Cookie {
        let name: String
        let kind: String
        let lifetime: String
        let purpose: String
        let description: String
        let provider: String
        let category: String
        let essential: Bool
    }
    struct Settings {
        let categories: [LayoutView.BannerCategory]
        let gpc: Bool
        let hasChoice: Bool
    }
    let cookies: [Cookie]
    let settings: Settings
}
