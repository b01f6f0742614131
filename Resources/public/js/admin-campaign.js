/*
 * Steward — live progress on a campaign's page in the staff console.
 *
 * The progress block ([data-progress-url]) is rendered with the counts at page load. While the campaign is
 * sending the block also has data-live: this script then asks the progress URL every second (JSON: status,
 * statusLabel, sent, pending, failed, dropped, total, percent) and updates the bar, the counts and the status
 * label. When the status is no longer "sending" it stops and reloads the page once, so that the action buttons
 * match the new state. Without JavaScript the page simply shows the counts of the moment it was loaded.
 */
(function () {
    "use strict";

    var INTERVAL = 1000;
    // Give up quietly after this many failed requests in a row (signed out, server restarting, offline).
    var MAX_FAILURES = 30;

    var block = document.querySelector("[data-progress-url]");
    if (!block || !block.hasAttribute("data-live") || typeof window.fetch !== "function") {
        return;
    }
    var url = block.getAttribute("data-progress-url");
    var failures = 0;
    var stopped = false;

    function setText(id, value) {
        var element = document.getElementById(id);
        if (element && value !== undefined && value !== null) {
            element.textContent = String(value);
        }
    }

    function apply(data) {
        var bar = document.getElementById("progress-bar");
        if (bar && typeof data.percent === "number") {
            bar.value = data.percent;
            bar.textContent = data.percent + " %";
        }
        if (typeof data.percent === "number") {
            setText("progress-percent", data.percent + " %");
        }
        setText("count-sent", data.sent);
        setText("count-pending", data.pending);
        setText("count-failed", data.failed);
        setText("count-dropped", data.dropped);
        var status = document.getElementById("campaign-status");
        if (status && typeof data.status === "string") {
            status.textContent = data.statusLabel || data.status;
            status.className = "badge badge--campaign-" + data.status;
        }
    }

    function schedule() {
        if (!stopped) {
            window.setTimeout(poll, INTERVAL);
        }
    }

    function poll() {
        // A hidden tab does not need live numbers; the next visible tick catches up.
        if (document.hidden) {
            schedule();
            return;
        }
        window.fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
            .then(function (response) {
                if (!response.ok) {
                    throw new Error("HTTP " + response.status);
                }
                return response.json();
            })
            .then(function (data) {
                failures = 0;
                apply(data);
                if (data.status !== "sending") {
                    stopped = true;
                    window.location.reload();
                    return;
                }
                schedule();
            })
            .catch(function () {
                failures += 1;
                if (failures >= MAX_FAILURES) {
                    stopped = true;
                    return;
                }
                schedule();
            });
    }

    schedule();
})();
