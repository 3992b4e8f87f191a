"""Normalising imported text: NFC, full-width letters and digits, pinyin debris."""
import re
import unicodedata

# Full-width letters, digits and symbols that Chinese typography does not use as punctuation.
# The Chinese comma, colon, brackets etc. (，：；！？（）) are kept: they are correct Chinese.
_KEEP_FULL_WIDTH = set("，：；！？（）【】｛｝［］《》〈〉、。“”‘’～")
_HALF_WIDTH = {
    cp: cp - 0xFEE0
    for cp in range(0xFF01, 0xFF5F)
    if chr(cp) not in _KEEP_FULL_WIDTH
}
_HALF_WIDTH[0x3000] = 0x20  # ideographic space

_TONE_MARKS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
# 社區(qū) → 社區: a syllable with a tone mark in brackets right after a Han character.
_PINYIN_DEBRIS = re.compile(
    rf"(?<=[\u3400-\u9fff])[(（](?=[a-z{_TONE_MARKS}]*[{_TONE_MARKS}])[a-z{_TONE_MARKS}]{{1,7}}[)）]"
)


def normalise(text: str) -> str:
    """NFC, half-width ASCII letters and digits, no pinyin annotations, no CR line ends."""
    text = unicodedata.normalize("NFC", text)
    text = text.translate(_HALF_WIDTH)
    text = _PINYIN_DEBRIS.sub("", text)
    return text.replace("\r\n", "\n").replace("\r", "\n")
