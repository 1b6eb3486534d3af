<?xml version="1.0" encoding="UTF-8"?>
<!--
  ministry-feeds: how an Atom document of the public folder looks when opened in a browser.
  Every feed refers to this file with <?xml-stylesheet type="text/xsl" href="…/feed.xsl"?>; feed
  readers ignore that and read the Atom document itself.

  XSLT 1.0 (what browsers run). Links between the public folder's pages are made relative, from the
  feed's own path (its id ends in "feed/<path without .atom>"), so the page works on any host,
  whatever MF_PUBLIC_BASE_URL says. The entries show their plain summary: Firefox does not run
  disable-output-escaping, so the HTML content is left to feed readers and the ministry's page.
-->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:atom="http://www.w3.org/2005/Atom"
                xmlns:fh="http://purl.org/syndication/history/1.0"
                exclude-result-prefixes="atom fh">
  <xsl:output method="html" encoding="UTF-8" indent="no" doctype-system="about:legacy-compat"/>

  <xsl:variable name="types" select="'https://ministry-feeds.github.io/schema/types'"/>
  <xsl:variable name="tags" select="'https://ministry-feeds.github.io/schema/tags'"/>
  <xsl:variable name="status" select="'https://ministry-feeds.github.io/schema/status'"/>
  <!-- The document's path below the public folder, without ".atom": "mid/en/type/briefing". -->
  <xsl:variable name="key" select="substring-after(/atom:feed/atom:id, ':feed/')"/>
  <xsl:variable name="self" select="/atom:feed/atom:link[@rel='self']/@href"/>
  <!-- Where the public folder is published, as the feed says ("https://feeds.example.org/"). -->
  <xsl:variable name="base" select="substring-before($self, concat($key, '.atom'))"/>
  <!-- From this document back to the public folder: one "../" per "/" in its path. -->
  <xsl:variable name="root">
    <xsl:call-template name="up">
      <xsl:with-param name="path" select="$key"/>
    </xsl:call-template>
  </xsl:variable>

  <xsl:template name="up">
    <xsl:param name="path"/>
    <xsl:if test="contains($path, '/')">
      <xsl:text>../</xsl:text>
      <xsl:call-template name="up">
        <xsl:with-param name="path" select="substring-after($path, '/')"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- A link to another document of the public folder, made relative to this one. -->
  <xsl:template name="local">
    <xsl:param name="href"/>
    <xsl:choose>
      <xsl:when test="$base != '' and starts-with($href, $base)">
        <xsl:value-of select="concat($root, substring-after($href, $base))"/>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$href"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- "2022-06-30T20:45:00+03:00" shown as "2022-06-30 20:45 +03:00". -->
  <xsl:template name="when">
    <xsl:param name="at"/>
    <time datetime="{$at}" title="{$at}">
      <xsl:value-of select="concat(substring($at, 1, 10), ' ', substring($at, 12, 5), ' ', substring($at, 20))"/>
    </time>
  </xsl:template>

  <xsl:template match="/">
    <html lang="{/atom:feed/@xml:lang}">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="atom:feed/atom:title"/> (Atom feed)</title>
        <style>
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:46rem;
padding:1rem;color:#1b1b1b;background:#fff}
h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.1rem;margin:0 0 .25rem}a{color:#0b57d0;word-break:break-word}
.about{padding:.75rem 1rem;border-radius:.4rem;background:#eef3fb;margin:1rem 0}
.about code{display:block;margin:.4rem 0;padding:.3rem .5rem;background:#fff;border:1px solid #cdd;
overflow-wrap:anywhere;user-select:all}
article{border-top:1px solid #ddd;padding:1rem 0}.meta{color:#555;font-size:.9em;margin:0 0 .4rem}
.summary{margin:.25rem 0}.removed{color:#a00}.tag{display:inline-block;background:#f1f1f1;border-radius:.3rem;
padding:0 .35rem;margin:0 .25rem .25rem 0;font-size:.85em}nav{margin:1rem 0;display:flex;gap:1rem;flex-wrap:wrap}
        </style>
      </head>
      <body>
        <p><a href="{$root}index.html">← All feeds</a></p>
        <h1 id="feed-title"><xsl:value-of select="atom:feed/atom:title"/></h1>
        <p><xsl:value-of select="atom:feed/atom:subtitle"/></p>
        <div class="about" id="subscribe">
          <strong>This is an Atom feed.</strong> To follow it, copy its address into a feed reader
          (newsboat, Thunderbird, NetNewsWire, Feedly, Inoreader…):
          <code><xsl:value-of select="$self"/></code>
          <xsl:if test="atom:feed/fh:archive">
            This document is part of the feed's archive: it holds the entries of one month and never changes
            unless one of them is edited.
          </xsl:if>
          Updated <xsl:call-template name="when"><xsl:with-param name="at" select="atom:feed/atom:updated"/></xsl:call-template>;
          <xsl:value-of select="count(atom:feed/atom:entry)"/> entries in this document.
        </div>
        <xsl:call-template name="navigation"/>
        <main>
          <xsl:apply-templates select="atom:feed/atom:entry"/>
        </main>
        <xsl:call-template name="navigation"/>
      </body>
    </html>
  </xsl:template>

  <xsl:template name="navigation">
    <nav>
      <xsl:for-each select="atom:feed/atom:link[@rel='current']">
        <a rel="current">
          <xsl:attribute name="href"><xsl:call-template name="local"><xsl:with-param name="href" select="@href"/></xsl:call-template></xsl:attribute>
          Newest entries
        </a>
      </xsl:for-each>
      <xsl:for-each select="atom:feed/atom:link[@rel='next-archive']">
        <a rel="next">
          <xsl:attribute name="href"><xsl:call-template name="local"><xsl:with-param name="href" select="@href"/></xsl:call-template></xsl:attribute>
          ← Newer entries
        </a>
      </xsl:for-each>
      <xsl:for-each select="atom:feed/atom:link[@rel='prev-archive']">
        <a rel="prev">
          <xsl:attribute name="href"><xsl:call-template name="local"><xsl:with-param name="href" select="@href"/></xsl:call-template></xsl:attribute>
          Older entries →
        </a>
      </xsl:for-each>
    </nav>
  </xsl:template>

  <xsl:template match="atom:entry">
    <article lang="{@xml:lang}">
      <h2>
        <a href="{atom:link[@rel='alternate'][1]/@href}" hreflang="{atom:link[@rel='alternate'][1]/@hreflang}">
          <xsl:value-of select="atom:title"/>
        </a>
      </h2>
      <p class="meta">
        <xsl:call-template name="when"><xsl:with-param name="at" select="atom:published"/></xsl:call-template>
        <xsl:for-each select="atom:category[@scheme=$types]"> · <xsl:value-of select="@label"/></xsl:for-each>
        <xsl:if test="atom:updated != atom:published">
          · updated <xsl:call-template name="when"><xsl:with-param name="at" select="atom:updated"/></xsl:call-template>
        </xsl:if>
        <xsl:for-each select="atom:category[@scheme=$status]"> · <span class="removed"><xsl:value-of select="@label"/></span></xsl:for-each>
      </p>
      <p class="summary"><xsl:value-of select="atom:summary"/></p>
      <p class="meta">
        <xsl:for-each select="atom:category[@scheme=$tags]"><span class="tag"><xsl:value-of select="@label"/></span></xsl:for-each>
        <xsl:if test="atom:link[@rel='related'][@hreflang]">
          Also in:
          <xsl:for-each select="atom:link[@rel='related'][@hreflang]">
            <a href="{@href}" hreflang="{@hreflang}"><xsl:value-of select="@title"/></a>
            <xsl:if test="position() != last()">, </xsl:if>
          </xsl:for-each>
        </xsl:if>
      </p>
    </article>
  </xsl:template>
</xsl:stylesheet>
