/*
 * Steward — cookie choices without a page reload (progressive enhancement).
 *
 * Forms marked data-consent-form (the cookie banner and the settings form on /cookies) work without this
 * script: they post to /consent and the server redirects back. With it, the same fields are sent with fetch;
 * on a JSON answer { "ok": true, "allowed": [...] } the banner is removed and, when analytics is allowed and
 * <meta name="steward-ga"> names a measurement id, /js/ga-consent.js is loaded. Any failure falls back to a
 * normal form submission, so a choice is never lost.
 */
(function () {
    "use strict";

    var GA_SCRIPT = "/js/ga-consent.js";

    /** The fields a normal submission would send, including the clicked button's name and value. */
    function formBody(form, submitter) {
        var data;
        try {
            data = submitter ? new FormData(form, submitter) : new FormData(form);
        } catch (error) {
            // Browsers without the submitter argument throw for some element types: read the form alone.
            data = new FormData(form);
        }
        if (submitter && submitter.name && !data.has(submitter.name)) {
            data.append(submitter.name, submitter.value);
        }
        return new URLSearchParams(data);
    }

    /** Submits the form the old way; HTMLFormElement.submit() fires no submit event and sends no button. */
    function fallback(form, submitter) {
        if (form.getAttribute("data-consent-sent") === "native") {
            return;
        }
        form.setAttribute("data-consent-sent", "native");
        if (submitter && submitter.name) {
            var hidden = document.createElement("input");
            hidden.type = "hidden";
            hidden.name = submitter.name;
            hidden.value = submitter.value;
            form.appendChild(hidden);
        }
        HTMLFormElement.prototype.submit.call(form);
    }

    function gaLoaded() {
        return typeof window.gtag === "function" || document.querySelector('script[src^="' + GA_SCRIPT + '"]') !== null;
    }

    function applyAnalytics(allowed) {
        if (allowed.indexOf("analytics") !== -1) {
            var meta = document.querySelector('meta[name="steward-ga"]');
            if (meta && meta.content && !gaLoaded()) {
                var script = document.createElement("script");
                script.src = GA_SCRIPT;
                script.setAttribute("data-measurement-id", meta.content);
                document.head.appendChild(script);
            }
        } else if (typeof window.gtag === "function") {
            // Already loaded on this page and now withdrawn: stop analytics storage until the next page load.
            window.gtag("consent", "update", { analytics_storage: "denied" });
        }
    }

    function removeBanner() {
        var banner = document.getElementById("cookie-banner");
        if (!banner) {
            return;
        }
        var hadFocus = banner.contains(document.activeElement);
        banner.parentNode.removeChild(banner);
        document.body.classList.remove("has-cookie-banner");
        var skip = document.querySelector("[data-cookie-skip]");
        if (skip) {
            skip.parentNode.removeChild(skip);
        }
        if (hadFocus) {
            var main = document.getElementById("main");
            if (main) {
                main.focus({ preventScroll: true });
            }
        }
        announce("Your cookie choices are saved.");
    }

    /** A short, polite confirmation for screen readers and sighted users alike. */
    function announce(text) {
        var toast = document.createElement("div");
        toast.className = "consent-toast";
        toast.setAttribute("role", "status");
        document.body.appendChild(toast);
        // Filled after insertion so that screen readers announce it.
        window.setTimeout(function () {
            toast.textContent = text;
        }, 50);
        window.setTimeout(function () {
            toast.classList.add("consent-toast--leaving");
        }, 4000);
        window.setTimeout(function () {
            if (toast.parentNode) {
                toast.parentNode.removeChild(toast);
            }
        }, 4600);
    }

    /** Brings the settings form in line with what the server stored (Accept all / Reject all change boxes). */
    function updateSettings(form, allowed) {
        var boxes = form.querySelectorAll('input[type="checkbox"][name="category"]');
        for (var i = 0; i < boxes.length; i += 1) {
            boxes[i].checked = allowed.indexOf(boxes[i].value) !== -1;
        }
        var section = form.closest("section") || document;
        var unset = section.querySelector("[data-consent-unset]");
        if (unset) {
            unset.parentNode.removeChild(unset);
        }
        var status = section.querySelector("[data-consent-status]");
        if (status) {
            var names = [];
            for (var j = 0; j < boxes.length; j += 1) {
                if (boxes[j].checked) {
                    var label = form.querySelector('label[for="' + boxes[j].id + '"]');
                    names.push(label ? label.textContent.trim() : boxes[j].value);
                }
            }
            status.textContent = names.length
                ? "Saved. Allowed besides essential cookies: " + names.join(", ") + "."
                : "Saved. Only essential cookies are set.";
            status.classList.add("consent-status--shown");
        }
    }

    function handleSubmit(event) {
        var form = event.target;
        if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-consent-form")) {
            return;
        }
        if (form.getAttribute("data-consent-sent") === "native" || !window.fetch || !window.URLSearchParams) {
            return;
        }
        event.preventDefault();
        var submitter = event.submitter || null;
        if (form.getAttribute("data-consent-busy") === "1") {
            return;
        }
        form.setAttribute("data-consent-busy", "1");
        form.setAttribute("aria-busy", "true");

        var body;
        try {
            body = formBody(form, submitter);
        } catch (error) {
            fallback(form, submitter);
            return;
        }
        // getAttribute: a field named "action" would shadow form.action.
        var url = form.getAttribute("action") || window.location.pathname;

        window
            .fetch(url, {
                method: "POST",
                body: body,
                headers: { Accept: "application/json" },
                credentials: "same-origin"
            })
            .then(function (response) {
                var type = response.headers.get("Content-Type") || "";
                if (response.status !== 200 || type.indexOf("json") === -1) {
                    throw new Error("unexpected answer");
                }
                return response.json();
            })
            .then(function (answer) {
                if (!answer || answer.ok !== true || !Array.isArray(answer.allowed)) {
                    throw new Error("choice not stored");
                }
                form.removeAttribute("data-consent-busy");
                form.removeAttribute("aria-busy");
                if (form.closest("#cookie-banner")) {
                    removeBanner();
                } else {
                    updateSettings(form, answer.allowed);
                    removeBanner();
                }
                applyAnalytics(answer.allowed);
            })
            .catch(function () {
                fallback(form, submitter);
            });
    }

    document.addEventListener("submit", handleSubmit);
})();
