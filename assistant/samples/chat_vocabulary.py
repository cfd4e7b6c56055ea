"""The people and words of the synthetic hashtag chat: profiles, languages, topics, questions, links, phrases."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from assistant.samples.x_wire import USER_ID_BASE, iso, user_id

LANGS = ("en", "es", "fr", "cy")
LANG_WEIGHTS = (76, 10, 8, 6)
SOURCES = ("Twitter Web App", "Twitter for iPhone", "Twitter for Android", "TweetDeck", "Twitter for iPad")
CO_HASHTAGS = ("ukedchat", "edtech", "fechat", "teachertwitter", "pedagoo", "edutwitter", "PLN", "mentalhealth")
EMOJI = ("👋", "🙌", "💡", "👍", "😊", "🎉", "📚", "🤔", "🔥", "❤️", "✅", "😂")
DOMAINS = (
    "www.gov.uk",
    "educationendowmentfoundation.org.uk",
    "www.bbc.co.uk",
    "medium.com",
    "www.youtube.com",
    "padlet.com",
    "docs.google.com",
    "www.tes.com",
    "blog.example.ac.uk",
    "github.com",
)
# A few links everyone shares again and again; the rest are one-offs.
POPULAR_LINKS = (
    "https://educationendowmentfoundation.org.uk/education-evidence/teaching-learning-toolkit",
    "https://www.gov.uk/government/publications/teachers-standards",
    "https://padlet.com/edchat/resources",
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
)
TOPICS = (
    "feedback that moves learning on",
    "workload and wellbeing",
    "digital skills for every learner",
    "assessment without levels",
    "supporting new teachers",
    "reading for pleasure",
)
QUESTIONS = (
    "What does great feedback look like in your setting?",
    "How do you protect your own time in a busy week?",
    "Which digital tool has made the biggest difference to your learners?",
    "How do you know your learners have understood?",
    "What one thing would you tell a teacher in their first year?",
    "How do you get reluctant readers reading?",
    "What does your team do to share good practice?",
    "How do you involve families in learning?",
    "What would you change about CPD?",
    "Who inspires you in education and why?",
)
FIRST_NAMES = ("Sam", "Alex", "Priya", "Gareth", "Siân", "Marta", "Chloé", "Tom", "Aisha", "Dewi", "Lucía", "Ben")
LAST_NAMES = ("Jones", "Patel", "Williams", "García", "Martin", "Evans", "Smith", "Roberts", "Dubois", "Khan")
ROLES = ("Teacher", "FE lecturer", "Head of English", "SENCo", "Deputy head", "Librarian", "Trainee teacher")
PLACES = ("Cardiff", "Manchester", "London", "Swansea", "Leeds", "Madrid", "Lyon", "Bangor", "Glasgow", "")

TEXT: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "hello": (
            "Hi all, {role} from {place} joining tonight",
            "Evening everyone! First time here",
            "Hello from {place}!",
        ),
        "answer": (
            "low-stakes quizzing every lesson, and I give feedback live rather than in books",
            "honestly it is about relationships first, everything else follows",
            "we trialled this last term and the learners loved it",
            "short, specific and acted on straight away",
            "I block out Sunday afternoons and do not open email",
            "modelling, modelling, modelling",
        ),
        "reply": ("Love this, thanks for sharing", "Totally agree", "How did you get buy-in from SLT?", "Same here!"),
        "chatter": ("Great chat tonight", "So many ideas to steal", "Lurking but loving this"),
    },
    "es": {
        "hello": ("Hola a todos, {role} desde {place}", "¡Buenas noches! Primera vez aquí"),
        "answer": (
            "evaluación formativa cada día, con comentarios breves",
            "primero las relaciones, después todo lo demás",
        ),
        "reply": ("¡Me encanta esta idea!", "Totalmente de acuerdo", "¿Cómo lo hiciste?"),
        "chatter": ("Qué buena conversación", "Muchas ideas nuevas"),
    },
    "fr": {
        "hello": ("Bonsoir à tous, {role} à {place}", "Bonsoir ! Première fois ici"),
        "answer": ("des retours courts et immédiats, c'est la clé", "la relation avec les élèves avant tout"),
        "reply": ("Excellente idée, merci", "Tout à fait d'accord", "Comment as-tu fait ?"),
        "chatter": ("Super échange ce soir", "Plein d'idées à tester"),
    },
    "cy": {
        "hello": ("Noswaith dda pawb, {role} o {place}", "Helo o {place}!"),
        "answer": ("adborth byr a chyflym sy'n gweithio orau", "perthynas gyda'r dysgwyr sy'n dod gyntaf"),
        "reply": ("Syniad gwych, diolch", "Cytuno'n llwyr", "Sut wnest ti hynny?"),
        "chatter": ("Sgwrs dda heno", "Llawer o syniadau"),
    },
}


@lru_cache(maxsize=256)
def lang_of(seed: int, number: int) -> str:
    return random.Random(seed * 7_919 + number).choices(LANGS, LANG_WEIGHTS)[0]


@lru_cache(maxsize=256)
def profile(seed: int, hashtag: str, number: int) -> dict[str, Any]:
    rng = random.Random(seed * 1_000_003 + number)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    if number == 0:
        handle, name, role = f"{hashtag}_host", f"#{hashtag} chat", "Weekly chat for educators"
    else:
        handle = f"{first}{last}{number}".replace("â", "a").replace("é", "e").replace("í", "i")
        handle = "".join(ch for ch in handle if ch.isascii() and ch.isalnum())[:15]
        name, role = f"{first} {last}", rng.choice(ROLES)
    created = datetime(2009, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(5000), seconds=rng.randrange(86400))
    followers = int(rng.paretovariate(1.2) * 80) + (5000 if number == 0 else 0)
    return {
        "id": user_id(number),
        "username": handle,
        "name": name,
        "description": f"{role}. Views my own. #{rng.choice(CO_HASHTAGS)}",
        "location": rng.choice(PLACES),
        "url": "",
        "verified": number == 0 or rng.random() < 0.02,
        "protected": False,
        "created_at": iso(created),
        "profile_image_url": f"https://pbs.twimg.com/profile_images/{USER_ID_BASE + number}/photo_normal.jpg",
        "public_metrics": {
            "followers_count": followers,
            "following_count": int(rng.paretovariate(1.5) * 150),
            "tweet_count": int(rng.paretovariate(1.1) * 900),
            "listed_count": rng.randrange(0, 40),
        },
    }
