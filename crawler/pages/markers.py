"""The marker sets of each source's briefings, read by :mod:`crawler.pages.segments`.

A marker set is data: its labels, tried in order (the first that starts a paragraph wins), and
how its headings and notes look. Each label quotes the reference it follows
(shared/reference/ministries-more.md, "Briefings as questions and answers"; mid-ru.md). A set
carries the labels of every language of its source, so a label in another script than the page's
("Bloomberg记者：", "Вопрос (Reuters):") is read too.
"""

from __future__ import annotations

import re

from crawler.pages.segments import BRACKETED_NOTE, MODERATOR, PODIUM, QUESTION, Label, MarkerSet

_COLON = r"\s*[:：]"
#: "(RIA Novosti)", "(ТАСС)", "(follow-up)": a qualifier in brackets before the colon; one in
#: lower case is not an outlet (see segments._affiliation)
_QUALIFIER = r"(?:\s*[(（](?P<affiliation>[^()（）]{1,60})[)）])?"

#: mid.ru, both sites, English and Russian. Questions carry no outlet, or one in brackets; the
#: answer is "Answer:"/"Ответ:", the speaker's initials and surname ("М.В.Захарова:") or first
#: name and surname ("Maria Zakharova:"). Topics are headings: h2/h3 or bold paragraphs on the
#: current site, centred paragraphs on the old one; "Answers to media questions:" opens the
#: questions.
MID = MarkerSet(
    name="mid",
    labels=(
        Label(rf"(?:Question|Вопрос){_QUALIFIER}{_COLON}", QUESTION),
        Label(rf"(?:Answer|Ответ){_COLON}", PODIUM),
        # "М.В.Захарова:", "С.В.Лавров:" (the [MC] scraper's initials pattern)
        Label(rf"(?P<speaker>[А-ЯЁ]\.\s?[А-ЯЁ]\.\s?[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?){_COLON}", PODIUM),
        # "Maria Zakharova:", "Sergey Lavrov:", "Мария Захарова:": shaped like ordinary words, so
        # taken in bold or once questions have begun
        Label(rf"(?P<speaker>[A-Z][a-z]+(?:-[A-Z][a-z]+)?\s(?:[A-Z]\.\s)?[A-Z][a-z’']+(?:-[A-Z][a-z]+)?){_COLON}",
              PODIUM, strict=True),
        Label(rf"(?P<speaker>[А-ЯЁ][а-яё]+\s[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?){_COLON}", PODIUM, strict=True),
    ),
    centred_headings=True,
)

#: The ministry's spokespersons as labels print them (English and Chinese), for briefings whose
#: title does not name the podium.
FMPRC_SPOKESPERSONS = (
    "Qin Gang", "Jiang Yu", "Ma Zhaoxu", "Liu Weimin", "Hong Lei", "Hua Chunying", "Lu Kang",
    "Geng Shuang", "Zhao Lijian", "Wang Wenbin", "Mao Ning", "Wang Yi", "Lin Jian", "Guo Jiakun",
    "秦刚", "姜瑜", "马朝旭", "刘为民", "洪磊", "华春莹", "陆慷", "耿爽", "赵立坚", "汪文斌", "毛宁",
    "林剑", "郭嘉昆",
)
#: words that open a sentence with a colon, never an outlet
_NOT_OUTLET = (r"(?!(?:First|Second|Third|Fourth|Fifth|Firstly|Secondly|Thirdly|Finally|Lastly|Note|"
               r"However|Therefore|Meanwhile|Moreover|Besides|Also|Again|Here|That|This|These|Those|It|We|"
               r"I|You|They|He|She|Question|Answer)\s*[:：])")
#: an outlet's name: up to six words, each capitalised or a small connecting word
_OUTLET = r"[A-Z0-9][\w’'.&-]*(?:\s(?:[A-Z0-9][\w’'.&-]*|of|the|and|for|de|du|la|di|al))" + "{0,5}"

#: China's regular press conference, English and Chinese. ≤2015 "Q:"/"A:" and "问："/"答："; since
#: about 2020 the outlet asks ("CCTV:", "澎湃新闻记者：") and the spokesperson, named in the
#: title, answers ("Mao Ning:", "汪文斌："); announcements open with "洪磊首先发布消息："; a
#: narrative question may close the Chinese text ("会后，有记者问及…洪磊表示，…").
FMPRC = MarkerSet(
    name="fmprc",
    labels=(
        Label(r"(?P<speaker>{names})" + _COLON, PODIUM),
        Label(r"(?P<speaker>{names})首先发布消息" + _COLON, PODIUM),
        Label(r"(?:Q|问|追问|Follow-up(?:\s[Qq]uestion)?)" + _COLON, QUESTION),
        Label(r"(?:A|答)" + _COLON, PODIUM),
        Label(r"(?P<affiliation>[^：:，。,？?！!\n]{1,24}?)\s*记者" + _COLON, QUESTION),
        Label(r"(?:会后[，,]\s*)?有记者问(?:及|到)?", QUESTION, keep=True),
        Label(r"(?P<speaker>{names})(?:表示|说)[，,：:]", PODIUM, keep=True),
        Label(_NOT_OUTLET + rf"(?P<affiliation>{_OUTLET}){_COLON}", QUESTION),
    ),
    names=FMPRC_SPOKESPERSONS,
    names_in_title=(
        re.compile(r"Spokesperson (?P<name>[A-Z][a-z]+(?: [A-Z][a-z]+){1,2})[’']s"),
        re.compile(r"发言人(?P<name>[\u4e00-\u9fff]{2,4}?)主持"),
    ),
)

#: The State Department's press briefings: "QUESTION:", the podium in capitals without a period
#: ("MR MILLER:", "MS BRUCE:", a guest "MR RUBIN:") or with one ("MS. PSAKI:"), "MODERATOR:";
#: the time line ("1:21 p.m. EDT") and bracketed notes ("(Laughter.)", "(Off-mike.)") are remarks.
STATE_DEPT = MarkerSet(
    name="state_dept",
    labels=(
        Label(r"(?:QUESTION|Q)" + _COLON, QUESTION),
        Label(r"(?P<speaker>MODERATOR|OPERATOR)" + _COLON, MODERATOR),
        Label(r"(?P<speaker>[A-Z][A-Z.'’-]+(?:\s[A-Z][A-Z.'’-]*){0,5})" + _COLON, PODIUM),
    ),
    notes=rf"{BRACKETED_NOTE}|\d{{1,2}}:\d{{2}}\s?[ap]\.?m\.?\s?[A-Z]{{2,4}}",
)

#: A Japanese reporter's or official's name as printed: "Igarashi", "ABE", "Fumio Kishida"
_JP_NAME = r"[A-Z][A-Za-z'’-]+(?:\s[A-Z][A-Za-z'’-]+)?"
#: A Japanese outlet: a known name, or words ending as outlets do ("Asahi Shimbun", "Nippon TV",
#: "Kyodo News", "Jiji Press")
_JP_OUTLET = (r"(?:NHK(?:\sWorld)?|TBS|AFP|Reuters|Bloomberg|Freelance|[A-Z][\w.&'’-]*(?:\s[A-Z][\w.&'’-]*){0,3}"
              r"\s(?:Shimbun|TV|Television|News|Press|Broadcasting|Radio|Agency|Times|Post|Journal|Network))")
#: The podium's offices as the English transcripts print them
_JP_OFFICES = (r"(?:Minister for Foreign Affairs|State Minister for Foreign Affairs|Parliamentary Vice-Minister for "
               r"Foreign Affairs|Foreign Press Secretary|Deputy Press Secretary|Press Secretary)")

#: Japan's foreign ministry: English transcripts (translations) ask as "Surname, Outlet:" (≤2018)
#: or "Outlet, Surname:" (2020+), "Reporter:", "Question:" (2009); the podium answers with its full
#: title first ("Mr. IWAYA Takeshi, Minister for Foreign Affairs:", "Minister for Foreign Affairs
#: Fumio Kishida:") and a short one after ("Minister Iwaya:", "Press Secretary OHTAKA:");
#: Japanese originals bracket the speaker: "【NHK　大谷記者】", "【記者】", "【林外務大臣】",
#: "【北村外務報道官】". Topic headings ("NSC meeting", "冒頭発言", "質疑応答", "(1) …") sit between the
#: exchanges.
MOFA_JP = MarkerSet(
    name="mofa_jp",
    labels=(
        Label(rf"(?P<speaker>(?:Mr|Ms|Mrs|Dr)\.?\s{_JP_NAME}(?:\s[A-Z][A-Za-z'’-]+)?),\s*(?P<affiliation>{_JP_OFFICES})"
              + _COLON, PODIUM),
        Label(rf"(?P<affiliation>{_JP_OFFICES}|Foreign Minister|State Minister|Minister)\s(?P<speaker>{_JP_NAME})"
              + _COLON, PODIUM),
        Label(r"(?P<affiliation>Minister|Press Secretary|Deputy Press Secretary)" + _COLON, PODIUM),
        Label(r"(?:Question|Reporter|Q)" + _COLON, QUESTION),
        Label(rf"(?P<affiliation>{_JP_OUTLET}),\s*(?P<speaker>{_JP_NAME})" + _COLON, QUESTION),
        Label(rf"(?P<speaker>{_JP_NAME}),\s*(?P<affiliation>{_JP_OUTLET})" + _COLON, QUESTION),
        Label(r"【(?P<speaker>[^】\s　]{1,12}?)(?P<affiliation>外務大臣政務官|外務副大臣|外務大臣|外務副報道官|"
              r"外務報道官|副報道官|報道官|大臣)】", PODIUM),
        Label(r"【(?:(?P<affiliation>[^】]{1,24}?)[\s　]+)?(?P<speaker>[^】\s　]{1,10}?)?記者】", QUESTION),
    ),
)

#: An Indian official's title before or after the name ("Official Spokesperson", "Foreign Secretary",
#: "Joint Secretary (East Asia)"), English and Hindi
_IN_OFFICES = (r"(?:Official Spokesperson|Foreign Secretary|External Affairs Minister|Minister of State[^:：]{0,40}"
               r"|(?:Additional |Joint )?Secretary[^:：]{0,40}|Ambassador[^:：]{0,40}|High Commissioner[^:：]{0,40}"
               r"|आधिकारिक प्रवक्ता|विदेश सचिव|विदेश मंत्री|[^,:：]{0,30}सचिव)")
#: an honorific and a name: "Shri Arindam Bagchi", "Smt. Paulomi Tripathi", "श्री अरिंदम बागची"
_IN_NAME = r"(?:Shri|Smt\.?|Dr\.?|Ms\.?|Mr\.?|श्री|श्रीमती|डॉ\.?)\s[^,:：()]{2,40}?"

#: India's MEA: the spokesperson's label, name first ("Shri Arindam Bagchi, Official
#: Spokesperson:", Hindi "श्री अरिंदम बागची, आधिकारिक प्रवक्ता:") or, in 2017, title first ("Official
#: Spokesperson, Shri Gopal Baglay:"); reporters by first name ("Sidhant:"), name and outlet
#: ("Ayushi Agarwal, ANI:"), or unnamed ("Speaker 1:"); in virtual briefings the OSD reads the
#: questions out ("Shri Yatin Patel, OSD (PR):", "श्री यतिन पटेल, ओएसडी (पीआर):"). Several questions
#: can come before one answer; Hindi questions carry their English rendering in brackets.
MEA_IN = MarkerSet(
    name="mea_in",
    labels=(
        Label(rf"(?P<speaker>{_IN_NAME}),\s*(?P<affiliation>OSD\s*\(PR\)|ओएसडी\s*\(पीआर\))" + _COLON, QUESTION),
        Label(rf"(?P<speaker>{_IN_NAME}),\s*(?P<affiliation>{_IN_OFFICES})" + _COLON, PODIUM),
        Label(rf"(?P<affiliation>{_IN_OFFICES}),\s*(?P<speaker>{_IN_NAME})" + _COLON, PODIUM),
        Label(r"(?:Speaker(?:\s\d{1,2})?|Question|Q|प्रश्न|सवाल)" + _COLON, QUESTION),
        # "Sidhant:", "Pranay Upadhyaya:", "Ayushi Agarwal, ANI:", "Suhasini Haidar, The Hindu:"
        Label(_NOT_OUTLET + r"(?P<speaker>[A-Z][a-z]+(?:\s[A-Z][a-z]+){0,2})"
              r"(?:,\s*(?P<affiliation>[A-Z][\w.&'’-]*(?:\s[A-Za-z][\w.&'’-]*){0,4}))?" + _COLON, QUESTION),
        # Hindi: "आयुषी अग्रवाल, एएनआई:"
        Label(r"(?P<speaker>[\u0900-\u097f]+(?:\s[\u0900-\u097f]+){0,2}),\s*(?P<affiliation>[^:：,]{1,30})"
              + _COLON, QUESTION),
    ),
)

#: France's spokesperson: French "Q - …" / "R - …" (a follow-up is the next "Q -"; a bracketed
#: summary can stand for a question, "Q - [Question sur …]"), English "Q: …" / "A: …"; "(…)" marks
#: a cut (a note).
MAE_FR = MarkerSet(
    name="mae_fr",
    labels=(
        Label(r"Q\s*[-–—]\s", QUESTION),
        Label(r"R\s*[-–—]\s", PODIUM),
        Label(r"(?:Q|Question)" + _COLON, QUESTION),
        Label(r"(?:A|R|Answer|Réponse)" + _COLON, PODIUM),
    ),
)

#: Each source's marker set, by source name (page objects import theirs; tools read them here).
MARKERS = {marker_set.name: marker_set for marker_set in (MID, FMPRC, STATE_DEPT, MOFA_JP, MEA_IN, MAE_FR)}
