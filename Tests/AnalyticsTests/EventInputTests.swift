import Analytics
import Testing

@Suite struct EventInputTests {
    /// Parses a JSON body given as text.
    private func parse(_ json: String, maxBytes: Int = 4096) throws(EventInputError) -> EventInput {
        try EventInput.parse(Array(json.utf8), maxBytes: maxBytes)
    }

    /// The error parsing `json` throws, or nil when it parses.
    private func error(_ json: String, maxBytes: Int = 4096) -> EventInputError? {
        do {
            _ = try parse(json, maxBytes: maxBytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func pageviewIsParsedWithItsDimensions() throws {
        // Given a page view with referrer, screen width and an unknown key
        let json =
            #"{"t":"pageview","u":"https://Example.com:8080/path/?q=1#h","r":"https://ref.example/","w":1280,"x":[1,{"y":null}]}"#

        // When it is parsed
        let input = try parse(json)

        // Then the URL is split and the rest kept
        #expect(
            input
                == EventInput(
                    kind: .pageview, url: "https://Example.com:8080/path/?q=1#h", path: "/path/", host: "example.com",
                    referrer: "https://ref.example/", screenWidth: 1280))
    }

    @Test func engagementOutboundAndCustomEventsCarryTheirFields() throws {
        // Given one body of each other kind
        let engagement = #"{"t":"engagement","u":"https://example.com/","d":15234}"#
        let outbound = #"{"t":"outbound","u":"https://example.com/","l":"https://other.example/x"}"#
        let event =
            #"{"t":"event","u":"https://example.com","n":"Signup","p":{"plan":"pro","seats":5,"trial":true,"x":null}}"#

        // When they are parsed
        let parsedEngagement = try parse(engagement)
        let parsedOutbound = try parse(outbound)
        let parsedEvent = try parse(event)

        // Then each carries its own field; numbers and booleans become text, nulls are dropped
        #expect(parsedEngagement.kind == .engagement && parsedEngagement.durationMS == 15234)
        #expect(parsedOutbound.kind == .outbound && parsedOutbound.link == "https://other.example/x")
        #expect(parsedEvent.kind == .event && parsedEvent.name == "Signup" && parsedEvent.path == "/")
        #expect(parsedEvent.properties == ["plan": "pro", "seats": "5", "trial": "true"])
    }

    @Test func fieldsOfOtherKindsAreIgnored() throws {
        // Given a page view that also sends d, l, n and p
        let json = #"{"t":"pageview","u":"https://example.com/","d":5,"l":"x","n":"","p":{"a":"b"}}"#

        // When it is parsed
        let input = try parse(json)

        // Then none of them is kept
        #expect(input.durationMS == nil && input.link == nil && input.name == nil && input.properties.isEmpty)
    }

    @Test func nullsAndEmptyReferrerCountAsAbsent() throws {
        // Given a page view with null and empty optional fields, and white space around
        let json = " \n{ \"t\" : \"pageview\", \"u\" : \"http://example.com\", \"r\" : \"\", \"w\" : null }\r\n"

        // When it is parsed
        let input = try parse(json)

        // Then they are absent
        #expect(input.referrer == "" && input.screenWidth == nil && input.path == "/")
    }

    @Test func stringEscapesAreDecoded() throws {
        // Given a custom event whose name and property use every escape, including a surrogate pair
        let json =
            #"{"t":"event","u":"https://example.com/","n":"Sign \"up\" \u00e9\ud83d\ude00 \/ \\","p":{"k":"a\tb\nc"}}"#

        // When it is parsed
        let input = try parse(json)

        // Then the text is decoded (control characters are allowed in values, not in names)
        #expect(input.name == "Sign \"up\" é😀 / \\")
        #expect(input.properties["k"] == "a\tb\nc")
    }

    @Test func wholeNumbersWrittenWithAFractionOrExponentAreAccepted() throws {
        // Given durations written as 15234.0 and 1.5e3
        let fraction = #"{"t":"engagement","u":"https://example.com/","d":15234.0}"#
        let exponent = #"{"t":"engagement","u":"https://example.com/","d":1.5e3}"#

        // When they are parsed
        // Then both are whole numbers of milliseconds
        #expect(try parse(fraction).durationMS == 15234)
        #expect(try parse(exponent).durationMS == 1500)
    }

    @Test func longPathIsCutTo500Characters() throws {
        // Given a page whose path is 1000 characters
        let path = "/" + String(repeating: "a", count: 999)

        // When it is parsed
        let input = try parse(#"{"t":"pageview","u":"https://example.com\#(path)"}"#)

        // Then the path is cut, the URL is not
        #expect(input.path == String(path.prefix(500)))
        #expect(input.url.hasSuffix(path))
    }

    @Test(
        arguments: [
            (#"{"u":"https://example.com/"}"#, "t: required"),
            (#"{"t":"click","u":"https://example.com/"}"#, "t: must be one of pageview, engagement, outbound, event"),
            (#"{"t":1,"u":"https://example.com/"}"#, "t: required"),
            (#"{"t":"pageview"}"#, "u: required"),
            (#"{"t":"pageview","u":"/relative"}"#, "u: not an absolute http(s) URL"),
            (#"{"t":"pageview","u":"ftp://example.com/"}"#, "u: not an absolute http(s) URL"),
            (#"{"t":"pageview","u":"https:///path"}"#, "u: not an absolute http(s) URL"),
            (#"{"t":"pageview","u":"https://exa mple.com/"}"#, "u: not an absolute http(s) URL"),
            (#"{"t":"pageview","u":"android-app://com.x/"}"#, "u: not an absolute http(s) URL"),
            (
                #"{"t":"pageview","u":"https://example.com/","r":"javascript:alert(1)"}"#,
                "r: not an absolute http(s) or android-app URL"
            ),
            (#"{"t":"pageview","u":"https://example.com/","r":5}"#, "r: must be a string"),
            (
                #"{"t":"pageview","u":"https://example.com/","w":20001}"#,
                "w: must be a whole number of pixels from 0 to 20000"
            ),
            (
                #"{"t":"pageview","u":"https://example.com/","w":-1}"#,
                "w: must be a whole number of pixels from 0 to 20000"
            ),
            (
                #"{"t":"pageview","u":"https://example.com/","w":"1280"}"#,
                "w: must be a whole number of pixels from 0 to 20000"
            ),
            (#"{"t":"engagement","u":"https://example.com/"}"#, "d: required"),
            (
                #"{"t":"engagement","u":"https://example.com/","d":86400001}"#,
                "d: must be a whole number of milliseconds from 0 to 86400000"
            ),
            (
                #"{"t":"engagement","u":"https://example.com/","d":1.5}"#,
                "d: must be a whole number of milliseconds from 0 to 86400000"
            ),
            (
                #"{"t":"engagement","u":"https://example.com/","d":1e400}"#,
                "d: must be a whole number of milliseconds from 0 to 86400000"
            ),
            (#"{"t":"outbound","u":"https://example.com/"}"#, "l: required"),
            (#"{"t":"outbound","u":"https://example.com/","l":"mailto:a@b.c"}"#, "l: not an absolute http(s) URL"),
            (#"{"t":"event","u":"https://example.com/"}"#, "n: required"),
            (#"{"t":"event","u":"https://example.com/","n":""}"#, "n: must be 1 to 120 characters"),
            (#"{"t":"event","u":"https://example.com/","n":"a\u0007b"}"#, "n: must not contain control characters"),
            (#"{"t":"event","u":"https://example.com/","n":"x","p":[1]}"#, "p: must be an object"),
            (
                #"{"t":"event","u":"https://example.com/","n":"x","p":{"a":{"b":1}}}"#,
                "p.a: must be a string, number or boolean"
            ),
            (
                #"{"t":"event","u":"https://example.com/","n":"x","p":{"":"v"}}"#,
                "p: keys must be 1 to 40 characters without control characters"
            ),
        ]
    )
    func invalidFieldIsNamedInTheError(json: String, expected: String) {
        // Given a body with one wrong or missing field
        // When it is parsed
        let failure = error(json)

        // Then the error names the field and what is wrong
        #expect(failure?.description == expected)
    }

    @Test func limitsOnLengthsAndCountsAreEnforced() {
        // Given bodies just over each limit
        let url = "https://example.com/" + String(repeating: "a", count: 1981)
        let name = String(repeating: "n", count: 121)
        let key = String(repeating: "k", count: 41)
        let value = String(repeating: "v", count: 201)
        let many = (0...30).map { #""k\#($0)":"v""# }.joined(separator: ",")

        // When they are parsed
        let longURL = error(#"{"t":"pageview","u":"\#(url)"}"#)
        let longReferrer = error(#"{"t":"pageview","u":"https://example.com/","r":"\#(url)"}"#)
        let longName = error(#"{"t":"event","u":"https://example.com/","n":"\#(name)"}"#)
        let longKey = error(#"{"t":"event","u":"https://example.com/","n":"x","p":{"\#(key)":"v"}}"#)
        let longValue = error(#"{"t":"event","u":"https://example.com/","n":"x","p":{"k":"\#(value)"}}"#)
        let tooMany = error(#"{"t":"event","u":"https://example.com/","n":"x","p":{\#(many)}}"#)

        // Then each is refused, naming the limit
        #expect(longURL?.description == "u: longer than 2000 bytes")
        #expect(longReferrer?.description == "r: longer than 2000 bytes")
        #expect(longName?.description == "n: must be 1 to 120 characters")
        #expect(longKey?.field == "p")
        #expect(longValue?.description == "p.k: longer than 200 characters")
        #expect(tooMany?.description == "p: at most 30 properties")
    }

    @Test func valuesAtTheLimitsAreAccepted() throws {
        // Given a URL of 2000 bytes, a 120-character name, 30 properties with 40-character keys and 200-character
        // values, a zero and a maximal duration
        let url = "https://example.com/" + String(repeating: "a", count: 1980)
        let name = String(repeating: "é", count: 120)
        let properties = (0..<30).map {
            #""\#(String(repeating: "k", count: 38))\#($0 + 10)":"\#(String(repeating: "v", count: 200))""#
        }
        .joined(separator: ",")

        // When they are parsed
        let event = try parse(#"{"t":"event","u":"\#(url)","n":"\#(name)","p":{\#(properties)}}"#, maxBytes: 20_000)
        let zero = try parse(#"{"t":"engagement","u":"https://example.com/","d":0}"#)
        let day = try parse(#"{"t":"engagement","u":"https://example.com/","d":86400000}"#)

        // Then all are accepted
        #expect(event.url.utf8.count == 2000 && event.name == name && event.properties.count == 30)
        #expect(zero.durationMS == 0 && day.durationMS == 86_400_000)
    }

    @Test func bodyOverTheByteLimitIsRefusedBeforeParsing() {
        // Given a valid body one byte longer than the limit
        let json = #"{"t":"pageview","u":"https://example.com/"}"#

        // When it is parsed with a limit one byte too small, and with an exact limit
        let over = error(json, maxBytes: json.utf8.count - 1)
        let exact = error(json, maxBytes: json.utf8.count)

        // Then only the first is refused
        #expect(over == EventInputError(field: "body", message: "larger than \(json.utf8.count - 1) bytes"))
        #expect(exact == nil)
    }

    @Test(
        arguments: [
            "", "   ", "[]", "\"pageview\"", "{", "{\"t\"}", "{\"t\":}", "{\"t\":\"pageview\",}", "{'t':'pageview'}",
            "{\"t\":\"pageview\"} x", "{\"t\":\"a\u{01}b\"}", "{\"t\":\"\\x\"}", "{\"t\":\"\\ud83d\"}",
            "{\"t\":\"\\ude00\"}",
            "{\"t\":\"\\u12g4\"}", "{\"w\":01}", "{\"w\":1.}", "{\"w\":-}", "{\"w\":.5}", "{\"w\":1e}", "{\"w\":tru}",
            "{\"w\":nul}", "{\"t\":\"unterminated}", "{\"a\":[1,]}", "{\"a\":[1 2]}",
            String(repeating: "[", count: 20) + String(repeating: "]", count: 20),
            "{\"a\":" + String(repeating: "{\"a\":", count: 10) + "1" + String(repeating: "}", count: 11),
        ]
    )
    func malformedJSONIsRefusedAsTheBody(json: String) {
        // Given a body that is not one well-formed JSON object
        // When it is parsed
        let failure = error(json)

        // Then the body as a whole is refused
        #expect(failure?.field == "body")
    }

    @Test func repeatedKeyKeepsItsLastValue() throws {
        // Given a body that names the kind twice
        let json = #"{"t":"engagement","t":"pageview","u":"https://example.com/"}"#

        // When it is parsed
        let input = try parse(json)

        // Then the last value counts, as in JavaScript
        #expect(input.kind == .pageview)
    }

    @Test func errorDescriptionIsFieldAndMessage() {
        // Given an error
        let error = EventInputError(field: "u", message: "not an absolute http(s) URL")

        // When it is described
        // Then it reads "field: message"
        #expect("\(error)" == "u: not an absolute http(s) URL")
    }
}
