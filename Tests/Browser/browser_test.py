#!/usr/bin/env python3
"""End-to-end test of `diarium serve` in a real browser (Debian's chromium + chromium-driver,
driven by Selenium). Builds nothing: it uses the debug binary `make test` built.

It copies corpus/ into a scratch folder, adds a hostile document (script tags, an
`onerror` attribute, a `javascript:` link and control characters in its title, authority,
file name and text), ingests it with the binary, starts `diarium serve` on a free loopback
port, and checks, in the browser:

  search      `riskanalys 2015 Office 365` puts the Gymnasienämnden risk analysis first
  facet       clicking the Gymnasienämnden facet of `riskanalys` narrows the list and counts
  document    the document page highlights the matches; Next match moves between them
  download    the downloaded bytes have the file's SHA-256
  report      the report page shows Gymnasienämnden's stale 2015 risk analysis
  keyboard    Tab alone reaches a result, Enter opens it
  language    ?lang=en gives English, the default is Swedish
  hostile     hostile title/authority/file name/text and URL parameters show as text; no script runs
  limits      path traversal, huge and malformed requests get clear answers; the server stays up
  commit      an ingest while the server runs: a new search sees the new document

Screenshots go to --out (default .build/browser-test/). Prints `N passed, M failed`; exits 1
if any check failed.

Usage: Tests/Browser/browser_test.py [--binary .build/debug/diarium] [--out DIR] [--keep]
"""
import argparse
import hashlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

HOSTILE_NAME = '"><img src=x onerror=window.__pwned=1>.html'
HOSTILE_HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<title>&lt;script&gt;window.__pwned=2&lt;/script&gt;Fientlig titel "&gt;&lt;img src=x onerror=window.__pwned=3&gt;</title>
<meta name="DC.creator" content="&lt;script&gt;window.__pwned=4&lt;/script&gt;Fientliga nämnden">
<meta name="DC.date" content="2020-02-02">
</head><body>
<p>Denna fientliga handling nämner molntjänster och riskanalys.</p>
<p>&lt;script&gt;window.__pwned=5&lt;/script&gt; och "&gt;&lt;img src=x onerror=window.__pwned=6&gt; och
<a href="javascript:window.__pwned=7">javascript:window.__pwned=7</a> samt styrtecken \x1b[31mRÖD\x1b[0m och \x07klocka.</p>
<p>Unikaordet zyxkvarn finns bara här.</p>
</body></html>
"""


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, fn):
        try:
            fn()
            self.passed += 1
            print(f"PASS {name}", flush=True)
        except Exception as e:  # noqa: BLE001 - every failure is reported and counted
            self.failed += 1
            print(f"FAIL {name}: {e}", flush=True)
            traceback.print_exc(limit=3)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raw_request(port, data, timeout=10):
    """Sends raw bytes, returns the status line (or '' when the server closed the connection)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        buf = b""
        try:
            while b"\r\n" not in buf:
                chunk = s.recv(4096)
                if not chunk:
                    break
                buf += chunk
        except socket.timeout:
            pass
        return buf.split(b"\r\n", 1)[0].decode("latin-1")


def get(port, path, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    conn.request("GET", urllib.parse.quote(path, safe="/?&=%+:;,@!$'()*~"), headers=headers or {})
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), body


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build/debug/diarium"))
    ap.add_argument("--out", default=os.path.join(ROOT, ".build/browser-test"))
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = ap.parse_args()
    args.binary = os.path.abspath(args.binary)
    if not os.access(args.binary, os.X_OK):
        print(f"error: {args.binary} is not built (run `make test` or `swift build` first)", file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="diarium-browser-")
    shutil.copytree(os.path.join(ROOT, "corpus"), os.path.join(scratch, "corpus"))
    hostile_dir = os.path.join(scratch, "corpus", "Övrigt")
    os.makedirs(hostile_dir)
    with open(os.path.join(hostile_dir, HOSTILE_NAME), "w", encoding="utf-8") as f:
        f.write(HOSTILE_HTML)
    index = os.path.join(scratch, "index")
    env = dict(os.environ, NO_COLOR="1")
    subprocess.run([args.binary, "ingest", "corpus", "--index", index], cwd=scratch, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    port = free_port()
    log = open(os.path.join(args.out, "serve.log"), "w")
    server = subprocess.Popen([args.binary, "serve", "--index", index, "--port", str(port), "--files", scratch],
                              cwd=scratch, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if get(port, "/api/stats")[0] == 200:
                break
        except OSError:
            time.sleep(0.1)
    else:
        print("error: diarium serve did not start; see", log.name, file=sys.stderr)
        server.kill()
        return 1

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900",
              "--no-first-run", "--disable-extensions", "--disable-background-networking"]:
        options.add_argument(a)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.add_experimental_option("prefs", {"intl.accept_languages": "sv-SE,sv",
                                              "download.default_directory": os.path.join(scratch, "downloads"),
                                              "download.prompt_for_download": False})
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    c = Checks()

    def shot(name):
        driver.save_screenshot(os.path.join(args.out, name + ".png"))

    def no_script_ran():
        pwned = driver.execute_script("return window.__pwned === undefined ? null : window.__pwned")
        assert pwned is None, f"a script from the document ran (window.__pwned = {pwned})"
        alerts = driver.execute_script("return typeof window.alert")
        assert alerts == "function"

    def hits():
        return driver.find_elements(By.CSS_SELECTOR, "ol.hits > li")

    def total():
        text = driver.find_element(By.CSS_SELECTOR, "p.summary").text
        return int("".join(ch for ch in text.split("dokument")[0].split("document")[0] if ch.isdigit()))

    try:
        def search_first():
            driver.get(base + "/")
            box = driver.find_element(By.ID, "q")
            box.send_keys("riskanalys 2015 Office 365")
            box.submit()
            WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "ol.hits > li"))
            first = hits()[0]
            title = first.find_element(By.CSS_SELECTOR, "h3 a").text
            meta = first.find_element(By.CSS_SELECTOR, ".meta").text
            assert title == "Riskanalys – införande av Office 365 i gymnasieskolan", title
            assert "Gymnasienämnden" in meta and "riskanalys" in meta, meta
            marks = [m.text.lower() for m in first.find_elements(By.CSS_SELECTOR, ".snippet mark")]
            assert any(m.startswith("riskanalys") for m in marks) and "365" in marks, marks
            assert "q=riskanalys+2015+Office+365" in driver.current_url, driver.current_url
            assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "sv"
            shot("1-search")
        c.check("search: riskanalys 2015 Office 365 puts the Gymnasienämnden risk analysis first", search_first)

        def facet():
            driver.get(base + "/?q=riskanalys")
            before = total()
            authorities_before = {li.find_element(By.CSS_SELECTOR, ".meta").text.split(" · ")[0] for li in hits()}
            link = driver.find_element(By.CSS_SELECTOR, "a[data-facet=org][href*='Gymnasien']")
            clause = link.find_element(By.CSS_SELECTOR, "code.clause").text
            expected = int(link.find_element(By.XPATH, "../span[@class='count']").text)
            assert clause == 'org:"Gymnasienämnden"', clause
            link.click()
            WebDriverWait(driver, 10).until(lambda d: "org=" in d.current_url)
            after = total()
            assert after == expected and after < before, (before, after, expected)
            assert len(authorities_before) > 1
            for li in hits():
                assert li.find_element(By.CSS_SELECTOR, ".meta").text.startswith("Gymnasienämnden"), li.text
            counts = [int(e.text) for e in driver.find_elements(By.CSS_SELECTOR, "aside.facets ul:nth-of-type(2) .count")]
            assert counts and sum(counts) == after, (counts, after)  # the year facet counts the narrowed list
            chip = driver.find_element(By.CSS_SELECTOR, "ul.chips a").text
            assert 'org:"Gymnasienämnden"' in chip, chip
            shot("2-facet")
        c.check("facet: the authority facet narrows the list and the counts", facet)

        def document():
            driver.get(base + "/?q=riskanalys+2015+Office+365")
            hits()[0].find_element(By.CSS_SELECTOR, "h3 a").click()
            WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "mark.hit"))
            marks = driver.find_elements(By.CSS_SELECTOR, "mark.hit")
            assert len(marks) >= 5, len(marks)
            assert {m.text for m in marks} >= {"365", "2015"}, {m.text for m in marks}
            src = driver.find_element(By.XPATH, "//dt[.='Datum']/following-sibling::dd[1]").text
            assert "2015-04-14" in src and "html-meta:dc.date" in src, src
            driver.find_element(By.ID, "next-match").click()
            driver.find_element(By.ID, "next-match").click()
            current = driver.find_elements(By.CSS_SELECTOR, "mark.hit.current")
            assert len(current) == 1 and current[0].get_attribute("id") == "m2", [e.get_attribute("id") for e in current]
            assert driver.switch_to.active_element.get_attribute("id") == "m2"
            assert "2 / " in driver.find_element(By.ID, "match-status").text
            shot("3-document")
        c.check("document: matches highlighted, next/previous match navigation", document)

        def download():
            downloads = os.path.join(scratch, "downloads")
            os.makedirs(downloads, exist_ok=True)
            driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
            driver.find_element(By.CSS_SELECTOR, "a[href^='/file/']").click()
            name = "Riskanalys Office 365 (2015).html"
            target = os.path.join(downloads, name)
            WebDriverWait(driver, 15).until(lambda d: os.path.exists(target) and not os.path.exists(target + ".crdownload"))
            with open(target, "rb") as f:
                got = hashlib.sha256(f.read()).hexdigest()
            with open(os.path.join(ROOT, "corpus", "Gymnasienämnden", name), "rb") as f:
                expected = hashlib.sha256(f.read()).hexdigest()
            assert got == expected, (got, expected)
        c.check("download: the original bytes (SHA-256 equal to the file's)", download)

        def report():
            driver.get(base + "/report")
            flags = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "ul.flags li")]
            gym = [f for f in flags if f.startswith("Gymnasienämnden")]
            # The page is in Swedish by default, flags included (the shared Strings table).
            assert gym and "äldre än 5 år (2015)" in gym[0], gym
            row = driver.find_element(By.XPATH, "//tr[th='Gymnasienämnden']")
            stale = [td.text for td in row.find_elements(By.CSS_SELECTOR, "td.stale")]
            assert "2015" in stale, stale
            assert driver.find_elements(By.CSS_SELECTOR, "svg rect"), "no chart"
            shot("4-report")
        c.check("report: the stale 2015 risk analysis of Gymnasienämnden is flagged", report)

        def keyboard():
            driver.get(base + "/?q=riskanalys+2015+Office+365")
            body = driver.find_element(By.TAG_NAME, "body")
            body.click()
            reached = None
            for _ in range(40):
                webdriver.ActionChains(driver).send_keys(Keys.TAB).perform()
                el = driver.switch_to.active_element
                href = el.get_attribute("href") or ""
                if "/doc/" in href:
                    reached = el
                    break
            assert reached is not None, "Tab never reached a result"
            outline = reached.value_of_css_property("outline-style")
            assert outline != "none", outline
            shot("5-keyboard-focus")
            webdriver.ActionChains(driver).send_keys(Keys.ENTER).perform()
            WebDriverWait(driver, 10).until(lambda d: "/doc/" in d.current_url)
            assert driver.find_elements(By.CSS_SELECTOR, "mark.hit")
        c.check("keyboard: Tab alone reaches a result, Enter opens it", keyboard)

        def language():
            driver.get(base + "/?q=riskanalys&lang=en")
            assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
            assert driver.find_element(By.CSS_SELECTOR, "label[for=q]").text == "Query"
            link = driver.find_element(By.CSS_SELECTOR, "ol.hits h3 a").get_attribute("href")
            assert "lang=en" in link, link
            _, _, body = get(port, "/", {"Accept-Language": "en-GB,en;q=0.9,sv;q=0.5"})
            assert b'lang="en"' in body
            _, _, body = get(port, "/", {"Accept-Language": "sv-SE,sv;q=0.9,en;q=0.8"})
            assert b'lang="sv"' in body
        c.check("language: Swedish by default, English with ?lang=en or Accept-Language", language)

        def hostile():
            driver.get(base + "/?q=zyxkvarn")
            WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "ol.hits > li"))
            first = hits()[0]
            title = first.find_element(By.CSS_SELECTOR, "h3 a").text
            assert "<script>window.__pwned=2</script>" in title, title
            assert '"><img src=x onerror=window.__pwned=3>' in title, title
            assert first.find_elements(By.TAG_NAME, "img") == [] and first.find_elements(By.TAG_NAME, "script") == []
            assert HOSTILE_NAME in first.find_element(By.CSS_SELECTOR, ".path").text
            meta = first.find_element(By.CSS_SELECTOR, ".meta").text
            assert "<script>window.__pwned=4</script>Fientliga nämnden" in meta, meta
            facet_text = driver.find_element(By.CSS_SELECTOR, "aside.facets").text
            assert "<script>window.__pwned=4</script>" in facet_text, facet_text
            shot("6-hostile-search")
            no_script_ran()
            first.find_element(By.CSS_SELECTOR, "h3 a").click()
            WebDriverWait(driver, 10).until(lambda d: "/doc/" in d.current_url)
            text = driver.find_element(By.CSS_SELECTOR, ".doc-text").text
            assert "<script>window.__pwned=5</script>" in text and "javascript:window.__pwned=7" in text, text
            assert "\x1b" not in text and "\x07" not in text, repr(text)
            assert driver.find_elements(By.CSS_SELECTOR, ".doc-text a, .doc-text img, .doc-text script") == []
            assert driver.find_elements(By.CSS_SELECTOR, "main img, main script, main iframe") == []
            shot("7-hostile-document")
            no_script_ran()
            for path in ["/?q=%3Cscript%3Ewindow.__pwned%3D8%3C%2Fscript%3E",
                         "/?q=%22%3E%3Cimg+src%3Dx+onerror%3Dwindow.__pwned%3D9%3E&org=%22%3E%3Cimg+src%3Dx+onerror%3Dwindow.__pwned%3D10%3E",
                         "/doc/1?q=%3C%2Fmark%3E%3Cscript%3Ewindow.__pwned%3D11%3C%2Fscript%3E",
                         "/inventory?org=%3Cscript%3Ewindow.__pwned%3D12%3C%2Fscript%3E&sort=javascript:alert(1)",
                         "/?q=javascript%3Awindow.__pwned%3D13&lang=%3Cscript%3E"]:
                driver.get(base + path)
                no_script_ran()
                assert driver.find_elements(By.CSS_SELECTOR, "main img, main script, main iframe") == [], path
            assert driver.find_element(By.ID, "q").get_attribute("value") == "javascript:window.__pwned=13"
            csp = [e for e in driver.get_log("browser") if "Content Security Policy" in e.get("message", "")]
            assert csp == [], csp  # nothing on our pages needs what the policy forbids
        c.check("hostile: document fields and URL parameters show as text, no script runs", hostile)

        def limits():
            for path in ["/file/../../etc/passwd", "/file/..%2f..%2fetc%2fpasswd", "/file/%2e%2e/%2e%2e/etc/passwd",
                         "/assets/..%2f..%2f..%2fetc%2fpasswd", "/file/0", "/file/999999", "/file/-1", "/etc/passwd",
                         "/doc/abc", "/%2e%2e/%2e%2e/etc/passwd"]:
                status, headers, body = get(port, path)
                assert status in (400, 404), (path, status)
                assert b"root:" not in body, path
                assert "default-src 'none'" in headers.get("content-security-policy", ""), path
            assert raw_request(port, b"GET /?q=" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").startswith("HTTP/1.1 414")
            status, _, body = get(port, "/?q=" + "riskanalys+" * 200)
            assert status == 414 and "1000".encode() in body, status
            status, _, body = get(port, "/api/search?q=%ZZ")
            assert status == 400, status
            status, _, body = get(port, "/api/search?q=risk&limit=abc")
            assert status == 400 and b"limit takes" in body, body
            assert raw_request(port, b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello").startswith("HTTP/1.1 405")
            assert raw_request(port, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello").startswith("HTTP/1.1 413")
            assert raw_request(port, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Big: " + b"b" * 40_000 + b"\r\n\r\n").startswith("HTTP/1.1 431")
            assert raw_request(port, b"\x16\x03\x01\x02\x00garbage\r\n\r\n").startswith("HTTP/1.1 400")
            assert raw_request(port, b"GET / HTTP/1.1\r\nHost: evil.example:80\r\n\r\n").startswith("HTTP/1.1 421")
            # Malformed queries of the query language: a clear page, never an error.
            for q in ['"unbalanced', "((((((((((((((((((((x", "AND OR NOT", "year:abc..", "*", "-", "org:"]:
                status, _, _ = get(port, "/?q=" + urllib.parse.quote_plus(q))
                assert status == 200, (q, status)
            # Deep nesting: the parser recurses per level (a small thread stack once crashed here).
            for q in ["(" * 990 + "risk", "NOT " * 240 + "risk", "-" * 990 + "risk", '"' * 999]:
                status, _, _ = get(port, "/?q=" + urllib.parse.quote_plus(q))
                assert status in (200, 400), (q[:20], status)
                status, _, _ = get(port, "/api/search?q=" + urllib.parse.quote_plus(q))
                assert status in (200, 400), (q[:20], status)
            assert server.poll() is None, "the server exited"
            assert get(port, "/api/stats")[0] == 200
        c.check("limits: traversal, huge and malformed requests get clear answers; the server keeps running", limits)

        def commit():
            status, _, body = get(port, "/api/search?q=blåvalsmöte")
            assert status == 200 and json.loads(body)["total"] == 0, body
            extra = os.path.join(scratch, "corpus", "Kommunstyrelsen", "Nytt beslut 2023.txt")
            with open(extra, "w", encoding="utf-8") as f:
                f.write("Kommunstyrelsen\nBeslut om blåvalsmöte 2023\n\nKommunstyrelsen beslutar att hålla ett blåvalsmöte.\n")
            subprocess.run([args.binary, "ingest", "corpus", "--index", index], cwd=scratch, env=env, check=True,
                           stdout=subprocess.DEVNULL)
            status, _, body = get(port, "/api/search?q=blåvalsmöte")
            result = json.loads(body)
            assert status == 200 and result["total"] == 1 and result["hits"][0]["path"].endswith("Nytt beslut 2023.txt"), body
            driver.get(base + "/?q=bl%C3%A5valsm%C3%B6te")
            assert len(hits()) == 1
        c.check("commit: a search after an ingest commit sees the new document", commit)

        def api_equals_cli():
            status, _, body = get(port, "/api/search?q=riskanalys+2015+Office+365&limit=3")
            cli = subprocess.run([args.binary, "search", "riskanalys", "2015", "Office", "365", "--limit", "3", "--format", "json",
                                  "--index", index], cwd=scratch, env=env, check=True, capture_output=True).stdout
            assert status == 200 and body == cli, (body[:200], cli[:200])
            status, _, body = get(port, "/api/show/12")
            cli = subprocess.run([args.binary, "show", "12", "--format", "json", "--index", index], cwd=scratch, env=env,
                                 check=True, capture_output=True).stdout
            assert body == cli, (body[:200], cli[:200])
        c.check("api: /api/search and /api/show return the CLI's --format json bytes", api_equals_cli)

        def phone():
            driver.set_window_size(390, 844)
            driver.get(base + "/?q=riskanalys+2015+Office+365")
            width = driver.execute_script("return document.documentElement.scrollWidth")
            assert width <= 390, width
            shot("8-phone")
            driver.set_window_size(1280, 900)
        c.check("phone width: no horizontal scrolling", phone)
    finally:
        try:
            driver.quit()
        except WebDriverException:
            pass
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    print(f"screenshots: {args.out}")
    print(f"{c.passed} passed, {c.failed} failed")
    return 0 if c.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
