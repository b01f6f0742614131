/*
 * Steward — first-party, cookie-less analytics (readable source of /js/s.js).
 *
 *   <script defer src="/js/s.js"></script>
 *   <script defer src="https://steward.example/js/s.js" data-api="https://steward.example/api/event"
 *           data-dnt="true"></script>
 *
 * Sends one JSON object per POST to data-api (default: /api/event on the script's own origin), as text/plain so
 * that no CORS preflight is needed:
 *   {"t":"pageview","u":url,"r":referrer,"w":width}   on load and on every history-API navigation
 *   {"t":"engagement","u":url,"d":ms}                 visible time (>= 1 s) when hidden or before an SPA page view
 *   {"t":"outbound","u":url,"l":link}                 click or middle-click on a link to another host
 *   {"t":"event","u":url,"n":name,"p":props}          window.steward(name, props), calls queued before load too
 *
 * Sets no cookie and uses no storage. Sends nothing with Global Privacy Control, nor — with data-dnt="true" — with
 * Do Not Track, nor on file: pages. Never writes to the console.
 *
 * s.js is this file minified by scripts/minify-analytics.py; e2e/test_analytics_script.py runs its behaviour tests
 * against both files and checks that s.js stays under 1 KB gzipped.
 */
(function (win, doc, nav, loc) {
    "use strict";

    var script = doc.currentScript;
    var attribute = function (name) {
        return script && script.getAttribute(name);
    };
    var queued = win.steward && win.steward.q;

    // Loaded twice on one page: the first copy already counts everything.
    if (win.steward && win.steward.s) {
        return;
    }
    if (
        nav.globalPrivacyControl === true ||
        (attribute("data-dnt") == "true" && (nav.doNotTrack == "1" || win.doNotTrack == "1")) ||
        loc.protocol == "file:" ||
        !loc.hostname
    ) {
        // The page may still call steward(…): it must not throw, and queued calls are dropped unsent.
        win.steward = function () {};
        return;
    }

    var api = attribute("data-api") || (script ? new URL("/api/event", script.src).href : "/api/event");
    // The URL of the last page view (without its #fragment), and when the page last became visible (0: hidden).
    var lastPage;
    var visibleSince = 0;

    var send = function (event) {
        var body = JSON.stringify(event);
        // sendBeacon survives the page being closed; it returns false when the browser's beacon queue is full.
        if (!(nav.sendBeacon && nav.sendBeacon(api, body))) {
            fetch(api, {
                method: "POST",
                body: body,
                keepalive: true,
                headers: { "Content-Type": "text/plain" },
                credentials: "omit"
            }).catch(function () {});
        }
    };

    var now = function () {
        return Date.now();
    };

    // Sends the time the page has been visible since `visibleSince` (if at least a second) for `url`, then restarts
    // the count — from now when the page is still visible, else when it becomes visible again.
    var sendEngagement = function (url) {
        var ms = visibleSince ? now() - visibleSince : 0;
        if (ms >= 1000) {
            send({ t: "engagement", u: url, d: ms });
        }
        visibleSince = doc.visibilityState == "visible" ? now() : 0;
    };

    var pageview = function () {
        var page = loc.href.split("#")[0];
        // replaceState with the same URL, or a jump to an anchor, is not another page view.
        if (page == lastPage) {
            return;
        }
        if (lastPage) {
            sendEngagement(lastPage);
        }
        // Only the first page view of a load has a referrer: later ones come from this site itself.
        send({ t: "pageview", u: loc.href, r: lastPage ? "" : doc.referrer, w: win.innerWidth });
        lastPage = page;
    };

    var hidden = function () {
        sendEngagement(lastPage);
    };

    var click = function (event) {
        var link = event.target.closest && event.target.closest("a[href]");
        // Left click (click) or middle click (auxclick); http(s) only, so mailto: and tel: links are not "outbound".
        if (link && event.button < 2 && /^http/.test(link.protocol) && link.host != loc.host) {
            send({ t: "outbound", u: loc.href, l: link.href });
        }
    };

    ["pushState", "replaceState"].forEach(function (name) {
        var original = history[name];
        history[name] = function () {
            var result = original.apply(this, arguments);
            pageview();
            return result;
        };
    });
    win.addEventListener("popstate", pageview);
    win.addEventListener("pagehide", hidden);
    doc.addEventListener("visibilitychange", function () {
        if (doc.visibilityState == "visible") {
            visibleSince = now();
        } else {
            hidden();
        }
    });
    // Capturing, so that a page's own handler that stops propagation does not hide the click.
    doc.addEventListener("click", click, true);
    doc.addEventListener("auxclick", click, true);

    win.steward = function (name, props) {
        if (name) {
            send({ t: "event", u: loc.href, n: "" + name, p: props });
        }
    };
    win.steward.s = 1;

    visibleSince = doc.visibilityState == "visible" ? now() : 0;
    pageview();
    (queued || []).forEach(function (args) {
        win.steward.apply(win, args);
    });
})(window, document, navigator, location);
