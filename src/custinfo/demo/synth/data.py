"""Static tables the pools and people are drawn from: Chinese cities, roads and names,
foreign cities, mail domains, tags, notes."""

from __future__ import annotations

# (pinyin city, area code without trunk 0, districts) ; weights below
_CN_CITIES: dict[str, tuple[str, str, list[str]]] = {
    "上海": (
        "Shanghai",
        "21",
        ["浦东新区", "徐汇区", "静安区", "黄浦区", "长宁区", "普陀区", "闵行区", "杨浦区"],
    ),
    "北京": (
        "Beijing",
        "10",
        ["朝阳区", "海淀区", "东城区", "西城区", "丰台区", "昌平区", "通州区"],
    ),
    "广州": ("Guangzhou", "20", ["天河区", "越秀区", "海珠区", "白云区", "番禺区"]),
    "深圳": ("Shenzhen", "755", ["南山区", "福田区", "罗湖区", "宝安区", "龙岗区"]),
    "杭州": ("Hangzhou", "571", ["西湖区", "上城区", "拱墅区", "滨江区", "余杭区"]),
    "成都": ("Chengdu", "28", ["武侯区", "锦江区", "青羊区", "金牛区", "成华区"]),
    "南京": ("Nanjing", "25", ["玄武区", "鼓楼区", "秦淮区", "建邺区"]),
    "武汉": ("Wuhan", "27", ["江汉区", "武昌区", "洪山区", "汉阳区"]),
    "天津": ("Tianjin", "22", ["和平区", "南开区", "河西区"]),
    "重庆": ("Chongqing", "23", ["渝中区", "江北区", "南岸区"]),
    "西安": ("Xi'an", "29", ["雁塔区", "碑林区", "未央区"]),
    "苏州": ("Suzhou", "512", ["姑苏区", "吴中区", "相城区"]),
}
_CN_CITY_WEIGHTS = [30, 15, 9, 10, 9, 6, 5, 4, 3, 3, 3, 3]
_CN_ROADS = [
    "中山路",
    "人民路",
    "解放路",
    "建设路",
    "南京路",
    "淮海路",
    "长安街",
    "张杨路",
    "世纪大道",
    "科技园路",
    "文三路",
    "天府大道",
    "建国路",
    "和平路",
    "新华路",
    "光明路",
    "胜利路",
    "花园路",
    "学院路",
    "东风路",
    "延安路",
    "深南大道",
    "华山路",
    "青年路",
    "滨江大道",
    "环城路",
    "朝阳路",
    "长江路",
    "黄河路",
    "漕宝路",
]

# Chinese family names, weight ~ per-mille share (common ones dominate).
_CN_SURNAMES = (
    "王71 李70 张68 刘54 陈45 杨31 赵23 黄22 周21 吴20 徐17 孙15 胡13 朱13 高12 林12 何12 "
    "郭11 马10 罗9 梁8 宋7 郑7 谢6 韩6 唐5 冯5 于5 董5 萧4 程4 曹4 袁4 邓4 许4 傅4 沈4 曾4 "
    "彭3 吕3 苏3 卢3 蒋3 蔡3 贾3 丁3 魏3 薛3 叶3 阎2 余2 潘2 杜2 戴2 夏2 钟2 汪2 田2 任2 "
    "姜2 范2 方2 石2 姚2 谭2 廖2 邹2 熊2 金2 陆2 郝2 孔2 白2 崔2 康2 毛2 邱2 秦2 江2 史2 "
    "顾2 侯2 邵2 孟2 龙2 万2 段2 雷2 钱2 汤2 尹2 黎2 易2 常2 武2 乔2 贺2 赖2 龚2 文2 欧阳1"
)
# Given-name characters; the first block are very common single-character names.
_CN_GIVEN_COMMON = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚"
_CN_GIVEN_OTHER = (
    "英华红玲建林峰文辉斌宇浩凯鹏婷雪琳晨欣怡佳俊子涵梓轩雨博嘉思睿一诗宁鑫振国海燕志秀桂"
    "春梅兰慧颖慧晓东玉凤云飞龙德新亮成永波丹萍倩瑞阳"
)
# Homophones / look-alikes used for Chinese name typos.
_CN_HOMOPHONES: dict[str, str] = {
    "伟": "玮炜维",
    "芳": "方芬",
    "娜": "那",
    "敏": "民闽",
    "静": "晶婧",
    "丽": "莉俐",
    "强": "蔷",
    "磊": "垒",
    "军": "君均",
    "洋": "阳扬",
    "勇": "永涌",
    "艳": "燕彦",
    "杰": "洁捷",
    "娟": "鹃涓",
    "涛": "滔",
    "明": "铭鸣",
    "超": "朝",
    "霞": "夏",
    "平": "萍苹",
    "刚": "钢纲",
    "华": "桦骅",
    "红": "虹鸿",
    "玲": "铃琳",
    "建": "健剑",
    "林": "琳霖",
    "峰": "锋丰",
    "文": "雯闻",
    "辉": "晖徽",
    "斌": "彬",
    "宇": "雨羽",
    "浩": "皓昊",
    "凯": "楷恺",
    "鹏": "朋",
    "婷": "亭庭",
    "张": "章",
    "王": "汪",
    "李": "黎",
    "刘": "柳",
}
_PINYIN_OVERRIDES = {"曾": "zeng", "万": "wan", "阳": "yang"}

_LATIN_CITIES: dict[str, list[str]] = {
    "en_US": [
        "New York",
        "San Francisco",
        "Los Angeles",
        "Chicago",
        "Seattle",
        "Boston",
        "Houston",
        "Palo Alto",
    ],
    "en_GB": ["London", "Manchester", "Birmingham", "Edinburgh", "Bristol", "Leeds"],
    "de_DE": ["Berlin", "München", "Hamburg", "Frankfurt am Main", "Köln", "Stuttgart"],
    "fr_FR": ["Paris", "Lyon", "Marseille", "Toulouse", "Nice", "Bordeaux"],
    "ja_JP": ["東京", "大阪", "横浜", "名古屋", "京都", "福岡"],
    "zh_TW": ["台北", "台中", "高雄", "台南", "新竹", "桃園"],
}
_HOME_PHONE = {
    "en_US": ["US"],
    "en_GB": ["GB_M", "GB_M", "GB_M", "GB_L"],
    "de_DE": ["DE"],
    "fr_FR": ["FR"],
    "ja_JP": ["JP"],
    "zh_TW": ["TW"],
}
_CN_MAIL = ["qq.com"] * 35 + ["163.com"] * 25 + ["126.com"] * 10 + ["sina.com"] * 5
_CN_MAIL += ["foxmail.com"] * 5 + ["gmail.com"] * 5 + ["outlook.com"] * 5
_INTL_MAIL = ["gmail.com"] * 40 + ["outlook.com"] * 15 + ["yahoo.com"] * 12
_INTL_MAIL += ["hotmail.com"] * 8 + ["icloud.com"] * 5
_LOCAL_MAIL = {
    "en_GB": ["yahoo.co.uk", "btinternet.com"],
    "de_DE": ["web.de", "gmx.de"],
    "fr_FR": ["orange.fr", "free.fr"],
    "ja_JP": ["yahoo.co.jp", "docomo.ne.jp"],
    "zh_TW": ["yahoo.com.tw", "gmail.com"],
}
_TAGS = ["VIP", "潜在客户", "wholesale", "retail", "老客户", "newsletter", "经销商", "B2B"]
_NOTES_ZH = [
    "回访：客户对价格满意",
    "客户询问发货时间",
    "已发送报价单 Q{n}",
    "{m}月{d}日电话沟通，约下周见面",
    "客户反映产品有质量问题，已安排退换",
    "微信联系，确认订单 #{n}",
    "客户要求开具增值税发票",
    "介绍了新产品，客户有兴趣",
    "老客户推荐",
    "催款：发票 #{n} 未付",
]
_NOTES_EN = [
    "Called about invoice #{n}",
    "Sent quote Q-{n}",
    "Follow-up meeting on {m}/{d}",
    "Asked for bulk discount",
    "Complained about late delivery (order #{n})",
    "Prefers contact by email",
    "Referred by existing customer",
    "Interested in new catalogue",
    "Left voicemail",
    "Payment received for invoice #{n}",
]
