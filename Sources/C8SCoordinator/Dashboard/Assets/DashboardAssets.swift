/// The files under `/assets/`: the stylesheet and the scripts, compiled into the binary so the coordinator serves
/// every asset itself (no CDN, nothing fetched from the internet; air-gapped clusters work).
enum DashboardAssets {
    struct File: Sendable {
        var contentType: String
        var text: String
    }

    static let files: [String: File] = [
        "dashboard.css": File(contentType: "text/css; charset=utf-8", text: stylesheet + ansiStylesheet),
        "live.js": File(contentType: "text/javascript; charset=utf-8", text: liveScript),
        "log.js": File(contentType: "text/javascript; charset=utf-8", text: logScript),
    ]

    /// The 16 basic colours (xterm's defaults) and the 256-colour palette as classes `f<n>` (foreground) and
    /// `b<n>` (background), the attributes as `ab` (bold), `ad` (dim), `ai` (italic), `au` (underline).
    static let ansiStylesheet: String = {
        let basic = [
            "#1e1e1e", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#e5e5e5",
            "#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff",
        ]
        func hex(_ value: Int) -> String {
            let text = String(value, radix: 16)
            return value < 16 ? "0" + text : text
        }
        var colours = basic
        let levels = [0, 95, 135, 175, 215, 255]
        for red in levels {
            for green in levels { for blue in levels { colours.append("#\(hex(red))\(hex(green))\(hex(blue))") } }
        }
        for gray in 0..<24 {
            let value = 8 + gray * 10
            colours.append("#\(hex(value))\(hex(value))\(hex(value))")
        }
        var css = ".ab{font-weight:bold}.ad{opacity:.7}.ai{font-style:italic}.au{text-decoration:underline}\n"
        for (index, colour) in colours.enumerated() {
            css += ".f\(index){color:\(colour)}.b\(index){background:\(colour)}\n"
        }
        return css
    }()
}
